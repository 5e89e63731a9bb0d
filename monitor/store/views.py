"""Read-only queries for the web interface and the metrics, as plain dataclasses.

Nothing here writes. ``Store`` calls these in a read-only transaction
(``Store.facts_view``, ``Store.health``, ...); they return frozen
dataclasses, never ORM rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, text
from sqlalchemy.orm import Session

from . import schema
from .articles import value_hash
from .types import utcnow

__all__ = [
    "ArticleRef",
    "ChangeView",
    "Delivery",
    "FactHistory",
    "FactView",
    "Health",
    "StoredCounts",
    "changes_timeline",
    "fact_history",
    "facts_view",
    "health",
    "known_keys",
    "stored_counts",
]


@dataclass(frozen=True)
class ArticleRef:
    id: str
    title: str
    url: str | None
    outlet: str | None
    published: datetime | None
    text: str


@dataclass(frozen=True)
class Delivery:
    channel: str
    status: str  # "pending", "sent" or "dead"
    attempts: int
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class ChangeView:
    id: int
    key: str
    change: str  # "new", "changed", "event", "disputed"
    status: str  # "accepted", "pending", "disputed"
    old: Any
    new: Any
    baseline: Any
    direction: str | None
    evidence: str
    extractor: str
    confidence: float
    detected_at: datetime
    article: ArticleRef | None
    outlets: tuple[str, ...]  # every distinct outlet that reported this value for this key
    deliveries: tuple[Delivery, ...]


@dataclass(frozen=True)
class FactView:
    key: str
    kind: str
    baseline: Any
    has_baseline: bool
    current: Any
    previous: Any  # the value before the last accepted move
    direction: str | None  # of the last accepted move (ordered enums)
    changed_at: datetime | None
    outlets: int  # distinct outlets backing the current value
    open: tuple[ChangeView, ...]  # pending and disputed changes since the last accepted one


@dataclass(frozen=True)
class FactHistory:
    key: str
    kind: str | None
    baseline: Any
    has_baseline: bool
    baseline_at: datetime | None
    changes: tuple[ChangeView, ...]  # oldest first


@dataclass(frozen=True)
class Health:
    """What readiness asks of the database (which answered, or this would not exist)."""

    stuck_leases: tuple[str, ...]  # feeds whose lease ran out long ago and was not taken over
    heartbeats: dict[str, datetime]  # instance -> its last heartbeat


@dataclass(frozen=True)
class StoredCounts:
    """What the database holds, for /metrics."""

    claims: dict[str, int]  # by topic
    changes: dict[tuple[str, str], int]  # by (topic, status)
    alerts: dict[tuple[str, str], int]  # by (channel, status)
    baseline_topics: frozenset[str]  # topics with a baseline fact


def _outlet(article: schema.Article) -> str:
    return article.outlet or article.id[:12]


def _outlets_by_value(session: Session, keys: Iterable[str]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(key, value hash) -> the distinct outlets that claimed it, sorted."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    if wanted:
        rows = session.execute(
            select(schema.Claim.key, schema.Claim.value_hash, schema.Article)
            .join(schema.Article, schema.Article.id == schema.Claim.article_id)
            .where(schema.Claim.key.in_(wanted))
        )
        for key, digest, article in rows:
            found[(key, digest)].add(_outlet(article))
    return {pair: tuple(sorted(names)) for pair, names in found.items()}


def _deliveries(session: Session, changes: Sequence[schema.Change]) -> dict[int, list[Delivery]]:
    if not changes:
        return {}
    # Outbox rows are written in the change's transaction: none is older than its oldest change.
    since = min(c.detected_at for c in changes) - timedelta(minutes=1)
    wanted = {c.id for c in changes}
    out: dict[int, list[Delivery]] = defaultdict(list)
    for row in session.scalars(
        select(schema.Alert).where(schema.Alert.created_at >= since).order_by(schema.Alert.channel)
    ):
        for change_id in set(row.change_ids or ()) & wanted:
            out[change_id].append(
                Delivery(row.channel, row.status, row.attempts, row.last_error, row.sent_at)
            )
    return out


def _views(session: Session, rows: Sequence[ChangeRow]) -> list[ChangeView]:
    outlets = _outlets_by_value(session, (change.key for change, _ in rows))
    deliveries = _deliveries(session, [change for change, _ in rows])
    return [
        ChangeView(
            id=change.id,
            key=change.key,
            change=change.change,
            status=change.status,
            old=change.old,
            new=change.new,
            baseline=change.baseline,
            direction=change.direction,
            evidence=change.evidence,
            extractor=change.extractor,
            confidence=change.confidence,
            detected_at=change.detected_at,
            article=None
            if article is None
            else ArticleRef(
                article.id, article.title, article.url, article.outlet, article.published, article.text
            ),
            outlets=outlets.get((change.key, value_hash(change.new)), ()),
            deliveries=tuple(deliveries.get(change.id, ())),
        )
        for change, article in rows
    ]


ChangeRow = tuple[schema.Change, schema.Article | None]


def _changes_query() -> Select[schema.Change, schema.Article]:
    return select(schema.Change, schema.Article).outerjoin(
        schema.Article, schema.Article.id == schema.Change.article_id
    )


def _change_rows(session: Session, query: Select[schema.Change, schema.Article]) -> list[ChangeRow]:
    return [(change, article) for change, article in session.execute(query)]


def changes_timeline(
    session: Session, *, topics: Sequence[str] | None = None, limit: int = 100
) -> list[ChangeView]:
    """Changes newest first, optionally only those of ``topics``."""
    query = _changes_query().order_by(schema.Change.id.desc()).limit(limit)
    if topics is not None:
        query = query.where(_topic_filter(topics))
    return _views(session, _change_rows(session, query))


def _topic_filter(topics: Sequence[str]) -> ColumnElement[bool]:
    if not topics:
        return false()
    return or_(*(schema.Change.key.startswith(f"{topic}.", autoescape=True) for topic in topics))


def facts_view(session: Session, topics: Sequence[str] | None = None) -> list[FactView]:
    """Every key (of ``topics``): baseline, current value, last move, outlets, open changes."""
    baseline = {row.key: row for row in session.scalars(select(schema.BaselineFact))}
    query = _changes_query().order_by(schema.Change.id)
    if topics is not None:
        query = query.where(_topic_filter(topics))
        baseline = {k: v for k, v in baseline.items() if k.split(".", 1)[0] in topics}
    rows = _change_rows(session, query)
    views = {view.id: view for view in _views(session, rows)}
    latest: dict[str, schema.Change] = {}
    open_changes: dict[str, list[ChangeView]] = defaultdict(list)
    for change, _ in rows:
        if change.status == "accepted":
            latest[change.key] = change
            open_changes.pop(change.key, None)
        else:
            open_changes[change.key].append(views[change.id])
    outlets = _outlets_by_value(session, set(baseline) | set(latest) | set(open_changes))
    out = []
    for key in sorted(set(baseline) | set(latest) | set(open_changes)):
        base, last = baseline.get(key), latest.get(key)
        current = last.new if last else (base.value if base else None)
        kind = base.kind if base else ("event" if last and last.change == "event" else "state")
        out.append(
            FactView(
                key=key,
                kind=kind,
                baseline=base.value if base else None,
                has_baseline=base is not None,
                current=current,
                previous=last.old if last else None,
                direction=last.direction if last else None,
                changed_at=last.detected_at if last else None,
                outlets=len(outlets.get((key, value_hash(current)), ())),
                open=tuple(open_changes.get(key, ())),
            )
        )
    return out


def fact_history(session: Session, key: str) -> FactHistory | None:
    base = session.get(schema.BaselineFact, key)
    rows = _change_rows(session, _changes_query().where(schema.Change.key == key).order_by(schema.Change.id))
    if base is None and not rows:
        return None
    kind = base.kind if base else ("event" if rows[0][0].change == "event" else "state")
    return FactHistory(
        key=key,
        kind=kind,
        baseline=base.value if base else None,
        has_baseline=base is not None,
        baseline_at=base.created_at if base else None,
        changes=tuple(_views(session, rows)),
    )


# -- health and metrics -------------------------------------------------------


def health(session: Session, *, grace: float) -> Health:
    """Raises when the database does not answer."""
    session.execute(text("SELECT 1"))
    return Health(tuple(stuck_leases(session, grace=grace)), heartbeats(session))


def stuck_leases(session: Session, *, grace: float, now: datetime | None = None) -> list[str]:
    """Feeds whose lease ran out more than ``grace`` seconds ago and was not taken over."""
    cutoff = (now or utcnow()) - timedelta(seconds=grace)
    query = (
        select(schema.Feed.name)
        .where(schema.Feed.enabled.is_(True), schema.Feed.lease_owner.is_not(None))
        .where(schema.Feed.lease_until < cutoff)
        .order_by(schema.Feed.name)
    )
    return list(session.scalars(query))


def heartbeats(session: Session) -> dict[str, datetime]:
    rows = session.execute(select(schema.Instance.name, schema.Instance.heartbeat_at))
    return {name: beat for name, beat in rows}


def _by_topic(pairs: Iterable[tuple[tuple[str, ...], int]]) -> dict[tuple[str, ...], int]:
    out: Counter[tuple[str, ...]] = Counter()
    for (key, *rest), count in pairs:
        out[(key.split(".", 1)[0], *rest)] += count
    return dict(out)


def claim_counts(session: Session) -> dict[str, int]:
    """Claims stored, by topic."""
    rows = session.execute(select(schema.Claim.key, func.count()).group_by(schema.Claim.key))
    return {topic: n for (topic,), n in _by_topic(((key,), n) for key, n in rows).items()}


def change_counts(session: Session) -> dict[tuple[str, str], int]:
    """Changes stored, by (topic, status)."""
    rows = session.execute(
        select(schema.Change.key, schema.Change.status, func.count()).group_by(
            schema.Change.key, schema.Change.status
        )
    )
    return _by_topic(((key, status), n) for key, status, n in rows)  # type: ignore[return-value]


def alert_counts(session: Session) -> dict[tuple[str, str], int]:
    """Outbox rows by (channel, status)."""
    rows = session.execute(
        select(schema.Alert.channel, schema.Alert.status, func.count()).group_by(
            schema.Alert.channel, schema.Alert.status
        )
    )
    return {(channel, status): n for channel, status, n in rows}


def baseline_keys(session: Session) -> list[str]:
    return list(session.scalars(select(schema.BaselineFact.key)))


def stored_counts(session: Session) -> StoredCounts:
    return StoredCounts(
        claim_counts(session),
        change_counts(session),
        alert_counts(session),
        frozenset(key.split(".", 1)[0] for key in baseline_keys(session)),
    )


def known_keys(session: Session) -> set[str]:
    """Every key with a baseline value or a change."""
    return set(session.scalars(select(schema.BaselineFact.key))) | set(
        session.scalars(select(schema.Change.key).distinct())
    )
