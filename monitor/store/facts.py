"""What is known: the baseline, the changes since, and who reported what."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..facts.decide import Known
from ..model import Change, ChangeKind, FactKind
from . import schema
from .articles import value_hash

__all__ = [
    "BaselineFact",
    "FactOverview",
    "add_changes",
    "baseline_facts",
    "baseline_rows",
    "facts_overview",
    "list_changes",
    "load_known",
    "outlets_reporting",
    "save_baseline",
]


@dataclass(frozen=True)
class BaselineFact:
    key: str
    kind: FactKind
    value: Any
    evidence: str
    extractor: str
    confidence: float
    source: str


@dataclass(frozen=True)
class FactOverview:
    key: str
    kind: str
    baseline: Any
    current: Any
    changed_at: datetime | None
    source: str | None


def baseline_facts(session: Session) -> list[BaselineFact]:
    rows = session.scalars(select(schema.BaselineFact).order_by(schema.BaselineFact.key))
    return [
        BaselineFact(r.key, r.kind, r.value, r.evidence, r.extractor, r.confidence, r.source)  # type: ignore[arg-type]
        for r in rows
    ]


def baseline_rows(facts: Iterable[BaselineFact]) -> Iterator[schema.BaselineFact]:
    """The rows of ``facts`` (shared by the baseline and the stories' baselines)."""
    for f in facts:
        yield schema.BaselineFact(
            key=f.key,
            kind=f.kind,
            value=f.value,
            evidence=f.evidence,
            extractor=f.extractor,
            confidence=f.confidence,
            source=f.source,
        )


def save_baseline(session: Session, facts: Sequence[BaselineFact], *, replace: bool = False) -> None:
    if replace:
        session.execute(delete(schema.BaselineFact))
    session.add_all(baseline_rows(facts))


def load_known(session: Session, keys: Iterable[str] | None = None) -> Known:
    """Baseline plus accepted changes, for ``keys`` (or every key)."""
    wanted = None if keys is None else sorted(set(keys))
    known = Known()
    base_query = select(schema.BaselineFact)
    change_query = (
        select(schema.Change, schema.Article.published)
        .outerjoin(schema.Article, schema.Article.id == schema.Change.article_id)
        .where(schema.Change.status == "accepted")
        .order_by(schema.Change.id)
    )
    if wanted is not None:
        base_query = base_query.where(schema.BaselineFact.key.in_(wanted))
        change_query = change_query.where(schema.Change.key.in_(wanted))
    for row in session.scalars(base_query):
        known.add_baseline(row.key, row.kind, row.value)
    for change, published in session.execute(change_query):
        known.apply(_change(change), published)
    return known


def add_changes(session: Session, changes: Sequence[Change], status: str = "accepted") -> list[Change]:
    rows = [
        schema.Change(
            key=c.key,
            change=c.change,
            old=c.old,
            new=c.new,
            baseline=c.baseline,
            direction=c.direction,
            evidence=c.evidence,
            extractor=c.extractor,
            confidence=c.confidence,
            article_id=c.article,
            status=status,
        )
        for c in changes
    ]
    session.add_all(rows)
    session.flush()
    return [_change(row, label=c.label) for row, c in zip(rows, changes, strict=True)]


def _change(row: schema.Change, label: str = "") -> Change:
    return Change(
        key=row.key,
        change=cast(ChangeKind, row.change),
        new=row.new,
        old=row.old,
        baseline=row.baseline,
        evidence=row.evidence,
        extractor=row.extractor,
        confidence=row.confidence,
        direction=cast(Literal["stronger", "weaker"] | None, row.direction),
        label=label,
        article=row.article_id,
        id=row.id,
        detected=row.detected_at,
    )


def list_changes(session: Session, *, limit: int = 100, ids: Sequence[int] | None = None) -> list[Change]:
    query = select(schema.Change).order_by(schema.Change.id.desc()).limit(limit)
    if ids is not None:
        query = select(schema.Change).where(schema.Change.id.in_(list(ids))).order_by(schema.Change.id)
    return [_change(row) for row in session.scalars(query)]


def outlets_reporting(session: Session, key: str, value: Any) -> int:
    """How many distinct outlets have claimed ``value`` for ``key``."""
    query = (
        select(func.count(func.distinct(func.coalesce(schema.Article.outlet, schema.Article.id))))
        .select_from(schema.Claim)
        .join(schema.Article, schema.Article.id == schema.Claim.article_id)
        .where(schema.Claim.key == key, schema.Claim.value_hash == value_hash(value))
    )
    return int(session.scalar(query) or 0)


def facts_overview(session: Session) -> list[FactOverview]:
    baseline = {row.key: row for row in session.scalars(select(schema.BaselineFact))}
    latest: dict[str, tuple[schema.Change, str | None]] = {}
    rows = session.execute(
        select(schema.Change, schema.Article.url, schema.Article.outlet)
        .outerjoin(schema.Article, schema.Article.id == schema.Change.article_id)
        .where(schema.Change.status == "accepted")
        .order_by(schema.Change.id)
    )
    for row, url, outlet in rows:
        latest[row.key] = (row, " ".join(p for p in (outlet, url) if p) or None)
    out = []
    for key in sorted(set(baseline) | set(latest)):
        base = baseline.get(key)
        change, source = latest.get(key, (None, None))
        current = change.new if change else (base.value if base else None)
        out.append(
            FactOverview(
                key=key,
                kind=base.kind if base else ("event" if change and change.change == "event" else "state"),
                baseline=base.value if base else None,
                current=current,
                changed_at=change.detected_at if change else None,
                source=source if change else (base.source if base else None),
            )
        )
    return out
