"""Retention: drop what is old and no longer needed, never what an unsent alert or a fact needs.

- Sent and dead alerts older than ``[retention] alerts`` are deleted; a
  pending alert never is, whatever its age.
- The body text of articles fetched before ``[retention] articles`` is
  dropped; the row stays, with its title, link, identity keys (so the entry
  is still known and never read again as new) and claims (their evidence
  sentences, which quorum and disputes count). An article a pending or dead
  alert's changes come from keeps its text, and so does one whose extraction
  is still to be retried.
- Changes and the baseline - what is known - are never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from . import schema

__all__ = ["PruneReport", "prune"]


@dataclass(frozen=True)
class PruneReport:
    alerts: int = 0  # sent or dead alerts deleted
    article_texts: int = 0  # article bodies dropped
    dry_run: bool = False


def _articles_unsent_alerts_need(session: Session) -> set[str]:
    change_ids = {
        int(i)
        for ids in session.scalars(select(schema.Alert.change_ids).where(schema.Alert.status != "sent"))
        for i in ids or ()
    }
    if not change_ids:
        return set()
    rows = session.scalars(
        select(schema.Change.article_id).where(
            schema.Change.id.in_(change_ids), schema.Change.article_id.is_not(None)
        )
    )
    return {str(a) for a in rows}


def prune(
    session: Session,
    *,
    alerts_before: datetime | None,
    articles_before: datetime | None,
    dry_run: bool = False,
) -> PruneReport:
    alerts = texts = 0
    if alerts_before is not None:
        old = or_(
            and_(schema.Alert.status == "sent", schema.Alert.sent_at < alerts_before),
            and_(schema.Alert.status == "dead", schema.Alert.created_at < alerts_before),
        )
        if dry_run:
            alerts = int(session.scalar(select(func.count()).select_from(schema.Alert).where(old)) or 0)
        else:
            alerts = session.execute(sql_delete(schema.Alert).where(old)).rowcount or 0  # type: ignore[attr-defined]
    if articles_before is not None:
        # After the old alerts went, only the unsent ones that stay count (a dry run
        # errs on keeping: the dead alerts it would delete still protect their articles).
        needed = _articles_unsent_alerts_need(session)
        old_text = and_(
            schema.Article.fetched < articles_before,
            schema.Article.status == "done",
            schema.Article.text != "",
        )
        if needed:
            old_text = and_(old_text, schema.Article.id.not_in(needed))
        if dry_run:
            texts = int(session.scalar(select(func.count()).select_from(schema.Article).where(old_text)) or 0)
        else:
            texts = session.execute(update(schema.Article).where(old_text).values(text="")).rowcount or 0  # type: ignore[attr-defined]
    return PruneReport(alerts, texts, dry_run)
