"""/readyz: the database answers, the scheduler ticked recently, no feed lease is stuck."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .. import metrics
from ..service.runtime import Runtime

__all__ = ["readiness"]


def _first_line(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}".strip().splitlines() or [""])[0][:300]


def readiness(rt: Runtime, *, in_daemon: bool) -> tuple[list[str], dict[str, str]]:
    """(problems, a verdict per check). Inside ``monitor run`` the scheduler is this
    process's claim loop; a standalone ``monitor web`` asks for any instance's heartbeat."""
    service = rt.config.service
    problems: list[str] = []
    checks = {"database": "ok", "scheduler": "ok", "leases": "ok"}
    try:
        # A lease that ran out is taken over at the next claim (every tick): one
        # expired for much longer than that means no instance is claiming.
        health = rt.store.health(grace=max(60.0, 4 * service.tick))
    except Exception as exc:
        checks = {name: "unknown" for name in checks} | {"database": "fail"}
        return [f"database: {_first_line(exc)}"], checks
    if health.stuck_leases:
        checks["leases"] = "fail"
        problems.append(f"leases: held past their expiry on feed(s) {', '.join(health.stuck_leases)}")
    limit = max(30.0, 4 * max(service.tick, service.heartbeat))
    if in_daemon:
        last = metrics.last_tick()
        age = None if last is None else time.time() - last
        if age is None or age > limit:
            checks["scheduler"] = "fail"
            problems.append(
                "scheduler: the claim loop has not run yet"
                if age is None
                else f"scheduler: the claim loop last ran {age:.0f}s ago (limit {limit:.0f}s)"
            )
    else:
        now = datetime.now(UTC)
        ages = [(now - beat).total_seconds() for beat in health.heartbeats.values()]
        if not ages or min(ages) > limit:
            checks["scheduler"] = "fail"
            problems.append(
                "scheduler: no 'monitor run' instance has a heartbeat"
                if not ages
                else f"scheduler: the newest instance heartbeat is {min(ages):.0f}s old (limit {limit:.0f}s)"
            )
    return problems, checks
