"""``[retention]`` applied: by ``monitor prune`` and, every ``interval``, by the daemon."""

from __future__ import annotations

import logging
from datetime import timedelta

from ..store import PruneReport
from ..store.types import utcnow
from .runtime import Runtime

__all__ = ["prune_now", "prune_quietly"]

log = logging.getLogger(__name__)


def prune_now(rt: Runtime, *, dry_run: bool = False) -> PruneReport:
    retention, now = rt.config.retention, utcnow()
    return rt.store.prune(
        alerts_before=now - timedelta(seconds=retention.alerts) if retention.alerts else None,
        articles_before=now - timedelta(seconds=retention.articles) if retention.articles else None,
        dry_run=dry_run,
    )


def prune_quietly(rt: Runtime) -> None:
    """The daemon's pass: one log line when something went, none otherwise."""
    try:
        report = prune_now(rt)
    except Exception:
        log.exception("pruning failed; trying again at the next pass")
        return
    if report.alerts or report.article_texts:
        log.info("pruned %d old alerts and %d article texts", report.alerts, report.article_texts)
