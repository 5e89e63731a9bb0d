"""Process metrics: named functions the core calls where things happen.

Only this module knows ``prometheus_client``'s counters; the core calls
``poll_done``, ``fetch_timer``, ``plugin_call`` and ``scheduler_ticked``.
What the database holds (claims, changes, alerts, baselines) is read at
scrape time by ``monitor.web.metrics``, so every instance reports the same
shared truth. ``/metrics`` serves ``REGISTRY`` plus that collector.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

__all__ = [
    "REGISTRY",
    "fetch_timer",
    "last_tick",
    "plugin_call",
    "plugin_failed",
    "poll_done",
    "scheduler_ticked",
]

# The *_created series only double what a scraper already knows from the process start.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()

# prometheus_client adds the _total suffix of a counter: monitor_polls_total.
POLLS = Counter("monitor_polls", "Feed polls by outcome.", ["outcome"], registry=REGISTRY)
FETCH_SECONDS = Histogram(
    "monitor_fetch_duration_seconds",
    "Time to fetch one feed (HTTP request to body read).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
ARTICLES = Counter("monitor_articles_stored", "New articles stored by this process.", registry=REGISTRY)
PLUGIN_FAILURES = Counter(
    "monitor_plugin_failures", "Plugin calls that failed, by plugin and stage.", ["plugin", "stage"],
    registry=REGISTRY,
)  # fmt: skip
PLUGIN_SECONDS = Histogram(
    "monitor_plugin_call_duration_seconds",
    "Time spent in one plugin call, by plugin and stage.",
    ["plugin", "stage"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30),
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "monitor_scheduler_last_tick_timestamp_seconds",
    "When this process's claim loop last ran (Unix time; 0 when it runs no scheduler).",
    registry=REGISTRY,
)


def poll_outcome(status: int | None, error: str | None, skipped: str | None) -> str:
    """One of ``ok``, ``not_modified``, ``unchanged``, ``error``."""
    if error:
        return "error"
    if skipped == "not modified":
        return "not_modified"
    if skipped:
        return "unchanged"
    return "ok"


def poll_done(outcome: object) -> None:
    """Count one finished poll (a ``PollOutcome``) and the articles it stored."""
    POLLS.labels(
        poll_outcome(
            getattr(outcome, "status", None),
            getattr(outcome, "error", None),
            getattr(outcome, "skipped", None),
        )
    ).inc()
    ARTICLES.inc(getattr(outcome, "new", 0))


@contextmanager
def fetch_timer() -> Iterator[None]:
    with FETCH_SECONDS.time():
        yield


def plugin_call(plugin: str, stage: str, seconds: float) -> None:
    PLUGIN_SECONDS.labels(plugin, stage).observe(seconds)


def plugin_failed(plugin: str, stage: str) -> None:
    PLUGIN_FAILURES.labels(plugin, stage).inc()


_last_tick: list[float] = []


def scheduler_ticked() -> None:
    now = time.time()
    LAST_TICK.set(now)
    _last_tick[:] = [now]


def last_tick() -> float | None:
    """When the claim loop of this process last ran (Unix time), or None if it never did."""
    return _last_tick[0] if _last_tick else None
