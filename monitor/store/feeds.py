"""Feed rows: sync with the config, claim due feeds with a lease, record poll outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..config import FeedConfig
from . import schema
from .types import utcnow

__all__ = ["FeedState", "claim_due_feeds", "feed_states", "release_feed", "renew_feed_leases", "sync_feeds"]


@dataclass(frozen=True)
class FeedState:
    id: int
    name: str
    url: str
    interval: float
    outlet: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    consecutive_failures: int
    last_status: int | None = None
    last_error: str | None = None
    last_parse_warning: str | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_new: int = 0
    unstable_ids: bool = False
    enabled: bool = True
    lease_owner: str | None = None
    lease_until: datetime | None = None


def _state(row: schema.Feed) -> FeedState:
    return FeedState(**{name: getattr(row, name) for name in FeedState.__dataclass_fields__})


def sync_feeds(session: Session, feeds: Sequence[FeedConfig]) -> None:
    """Make the feeds table match the config; feeds dropped from it are disabled, not deleted."""
    rows = {row.name: row for row in session.scalars(select(schema.Feed))}
    for feed in feeds:
        row = rows.pop(feed.name, None)
        if row is None:
            session.add(
                schema.Feed(
                    name=feed.name,
                    url=feed.url,
                    interval=feed.interval,
                    enabled=feed.enabled,
                    outlet=feed.outlet,
                )
            )
            continue
        if row.url != feed.url:
            # A new address is a new feed as far as the server is concerned.
            row.url, row.etag, row.last_modified, row.body_hash = feed.url, None, None, None
        row.interval, row.enabled, row.outlet = feed.interval, feed.enabled, feed.outlet
    for row in rows.values():
        row.enabled = False


def feed_states(session: Session, names: Sequence[str] | None = None) -> list[FeedState]:
    query = select(schema.Feed).order_by(schema.Feed.name)
    if names:
        query = query.where(schema.Feed.name.in_(names))
    return [_state(row) for row in session.scalars(query)]


def claim_due_feeds(
    session: Session,
    owner: str,
    *,
    limit: int,
    lease: float,
    now: datetime | None = None,
    names: Sequence[str] | None = None,
    force: bool = False,
) -> list[FeedState]:
    """Lease up to ``limit`` due feeds to ``owner``.

    Rows another instance is claiming right now are skipped, not waited for
    (FOR UPDATE SKIP LOCKED); a lease left by a dead instance expires.
    """
    now = now or utcnow()
    query = (
        select(schema.Feed)
        .where(schema.Feed.enabled.is_(True))
        .where(or_(schema.Feed.lease_until.is_(None), schema.Feed.lease_until < now))
        .order_by(schema.Feed.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if not force:
        query = query.where(schema.Feed.next_poll_at <= now)
    if names:
        query = query.where(schema.Feed.name.in_(names))
    rows = list(session.scalars(query))
    for row in rows:
        row.lease_owner, row.lease_until = owner, now + timedelta(seconds=lease)
    session.flush()
    return [_state(row) for row in rows]


def release_feed(session: Session, feed_id: int, owner: str, **values: object) -> bool:
    """Write a poll's outcome and drop the lease, if ``owner`` still holds it."""
    result = session.execute(
        update(schema.Feed)
        .where(schema.Feed.id == feed_id)
        .where(or_(schema.Feed.lease_owner == owner, schema.Feed.lease_owner.is_(None)))
        .values(lease_owner=None, lease_until=None, **values)
    )
    return bool(getattr(result, "rowcount", 0))


def renew_feed_leases(
    session: Session, owner: str, feed_ids: Sequence[int], lease: float, now: datetime | None = None
) -> int:
    """Extend the leases ``owner`` still holds on these feeds; how many it held."""
    if not feed_ids:
        return 0
    now = now or utcnow()
    result = session.execute(
        update(schema.Feed)
        .where(schema.Feed.id.in_(list(feed_ids)), schema.Feed.lease_owner == owner)
        .values(lease_until=now + timedelta(seconds=lease))
    )
    return int(getattr(result, "rowcount", 0))
