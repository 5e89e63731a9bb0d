"""Each story's baseline: how it was built (from an article, or learnt in a window) and its facts.

A story owns the keys under its topics (``topic.subject.attribute``); its
baseline facts are the rows of ``baseline_facts`` under those topics, and
``story_baselines`` records, once per story, where they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..model import Change
from . import schema
from .facts import BaselineFact, baseline_facts, baseline_rows

__all__ = [
    "StoryBaseline",
    "learn_changes",
    "save_story_baseline",
    "story_baseline_facts",
    "story_baselines",
]


@dataclass(frozen=True)
class StoryBaseline:
    """How one story's baseline was made: ``mode`` is "article" or "learning"."""

    story: str
    topics: tuple[str, ...]
    mode: str
    source: str
    built_at: datetime
    learning_until: datetime | None = None

    def learning(self, now: datetime) -> bool:
        return self.mode == "learning" and self.learning_until is not None and now < self.learning_until


def _owned(key: str, topics: Sequence[str]) -> bool:
    return key.split(".", 1)[0] in topics


def story_baselines(session: Session) -> list[StoryBaseline]:
    rows = session.scalars(select(schema.StoryBaseline).order_by(schema.StoryBaseline.story))
    return [
        StoryBaseline(r.story, tuple(r.topics), r.mode, r.source, r.built_at, r.learning_until) for r in rows
    ]


def story_baseline_facts(session: Session, topics: Sequence[str]) -> list[BaselineFact]:
    return [f for f in baseline_facts(session) if _owned(f.key, topics)]


def save_story_baseline(
    session: Session,
    record: StoryBaseline,
    facts: Sequence[BaselineFact],
    *,
    replace: bool = False,
) -> bool:
    """Record how a story's baseline is made and store its facts; False when another
    instance recorded it first (and ``replace`` is not set)."""
    existing = session.get(schema.StoryBaseline, record.story, with_for_update=True)
    if existing is not None and not replace:
        return False
    if replace:
        owned = [f.key for f in baseline_facts(session) if _owned(f.key, record.topics)]
        if owned:
            session.execute(delete(schema.BaselineFact).where(schema.BaselineFact.key.in_(owned)))
        if existing is not None:
            session.delete(existing)
            session.flush()
    session.add(
        schema.StoryBaseline(
            story=record.story,
            topics=list(record.topics),
            mode=record.mode,
            source=record.source,
            built_at=record.built_at,
            learning_until=record.learning_until,
        )
    )
    taken = {f.key for f in baseline_facts(session)}
    session.add_all(baseline_rows(f for f in facts if f.key not in taken))
    return True


def learn_changes(session: Session, changes: Sequence[Change], now: datetime) -> tuple[set[int], set[int]]:
    """Of ``changes`` (by position), those that became baseline facts of a story in its
    learning window, and those of such a story that are kept without an alert."""
    learning = [s for s in story_baselines(session) if s.learning(now)]
    if not learning:
        return set(), set()
    topics = {topic for story in learning for topic in story.topics}
    taken = {f.key for f in baseline_facts(session)}
    learnt: set[int] = set()
    quiet: set[int] = set()
    for index, change in enumerate(changes):
        if not _owned(change.key, tuple(topics)):
            continue
        if change.change == "new" and change.key not in taken:
            taken.add(change.key)
            learnt.add(index)
            session.add(
                schema.BaselineFact(
                    key=change.key,
                    kind="state",
                    value=change.new,
                    evidence=change.evidence,
                    extractor=change.extractor,
                    confidence=change.confidence,
                    source=f"learnt from article {change.article or '?'}",
                )
            )
        else:
            quiet.add(index)
    return learnt, quiet
