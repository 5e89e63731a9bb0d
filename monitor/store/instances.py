"""Instance heartbeats, and what each instance holds, for ``monitor status``."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from . import schema
from .types import utcnow

__all__ = ["InstanceStatus", "StatusReport", "beat", "remove_instance", "status_report"]


@dataclass(frozen=True)
class InstanceStatus:
    name: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    feeds_held: int
    alerts_held: int


@dataclass(frozen=True)
class StatusReport:
    instances: list[InstanceStatus]
    feeds: int
    due_feeds: int
    failing_feeds: int
    pending_alerts: int
    dead_alerts: int


def beat(session: Session, name: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    row = session.get(schema.Instance, name)
    if row is None:
        session.add(
            schema.Instance(
                name=name, host=socket.gethostname(), pid=os.getpid(), started_at=now, heartbeat_at=now
            )
        )
    else:
        row.heartbeat_at = now


def remove_instance(session: Session, name: str) -> None:
    session.execute(delete(schema.Instance).where(schema.Instance.name == name))


def status_report(session: Session, *, alive_within: float, now: datetime | None = None) -> StatusReport:
    now = now or utcnow()
    cutoff = now - timedelta(seconds=alive_within)
    feeds_held = dict(
        session.execute(
            select(schema.Feed.lease_owner, func.count())
            .where(schema.Feed.lease_owner.is_not(None), schema.Feed.lease_until > now)
            .group_by(schema.Feed.lease_owner)
        ).all()
    )
    alerts_held = dict(
        session.execute(
            select(schema.Alert.lease_owner, func.count())
            .where(schema.Alert.lease_owner.is_not(None), schema.Alert.lease_until > now)
            .group_by(schema.Alert.lease_owner)
        ).all()
    )
    instances = [
        InstanceStatus(
            r.name,
            r.host,
            r.pid,
            r.started_at,
            r.heartbeat_at,
            feeds_held.get(r.name, 0),
            alerts_held.get(r.name, 0),
        )
        for r in session.scalars(
            select(schema.Instance)
            .where(schema.Instance.heartbeat_at >= cutoff)
            .order_by(schema.Instance.name)
        )
    ]
    enabled = schema.Feed.enabled.is_(True)

    def count(table: type[schema.Base], *where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    return StatusReport(
        instances=instances,
        feeds=count(schema.Feed, enabled),
        due_feeds=count(
            schema.Feed,
            enabled,
            schema.Feed.next_poll_at <= now,
            or_(schema.Feed.lease_until.is_(None), schema.Feed.lease_until < now),
        ),
        failing_feeds=count(schema.Feed, enabled, schema.Feed.consecutive_failures > 0),
        pending_alerts=count(schema.Alert, schema.Alert.status == "pending"),
        dead_alerts=count(schema.Alert, schema.Alert.status == "dead"),
    )
