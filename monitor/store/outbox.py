"""Alert outbox rows: claim due ones with a lease, record each attempt's outcome."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from . import schema
from .channels import disabled_channels
from .types import utcnow

__all__ = [
    "OutboxRow",
    "alert_id",
    "claim_due_alerts",
    "list_alerts",
    "mark_alerts",
    "queue_alerts",
    "requeue_alert",
]

log = logging.getLogger(__name__)


_id_lock = threading.Lock()
_last_ns = 0


def alert_id(channel: str, row_ids: Sequence[str] = ()) -> str:
    """An alert's id, unique for ever: a fresh random one for a new outbox row
    (stored with it, so every re-send carries it), or, for a digest of several
    rows, one derived from theirs - unique because they are, and the same each
    time the same rows are sent together."""
    if not row_ids:
        # Time first, then randomness: ids sort in creation order, for rows
        # created in the same instant as for the rest.
        global _last_ns
        with _id_lock:
            _last_ns = max(time.time_ns(), _last_ns + 1)
            stamp = _last_ns
        return f"alert_{stamp:016x}{secrets.token_hex(5)}"
    digest = hashlib.sha256(f"{channel}:{','.join(sorted(row_ids))}".encode()).hexdigest()
    return f"alert_{digest[:26]}"


def queue_alerts(session: Session, change_ids: Sequence[int], channels: Sequence[str]) -> None:
    """One outbox row per channel for these changes, in the transaction that stores them."""
    if not change_ids:
        return
    ids = list(change_ids)
    disabled = disabled_channels(session)
    for channel in channels:
        if channel in disabled:
            log.warning("channel %s is disabled; changes %s not queued for it", channel, ids)
            continue
        session.add(schema.Alert(id=alert_id(channel), channel=channel, change_ids=ids))


@dataclass(frozen=True)
class OutboxRow:
    id: str
    channel: str
    change_ids: list[int]
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None
    sent_at: datetime | None


def _row(row: schema.Alert) -> OutboxRow:
    return OutboxRow(
        row.id,
        row.channel,
        list(row.change_ids),
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.created_at,
        row.last_error,
        row.sent_at,
    )


def claim_due_alerts(
    session: Session,
    owner: str,
    *,
    lease: float,
    limit: int = 100,
    now: datetime | None = None,
    channels: Sequence[str] | None = None,
) -> list[OutboxRow]:
    """Lease due pending rows, oldest first (so each channel gets them in order)."""
    now = now or utcnow()
    query = (
        select(schema.Alert)
        .where(schema.Alert.status == "pending", schema.Alert.next_attempt_at <= now)
        .where(or_(schema.Alert.lease_until.is_(None), schema.Alert.lease_until < now))
        .order_by(schema.Alert.created_at, schema.Alert.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if channels is not None:
        query = query.where(schema.Alert.channel.in_(list(channels)))
    rows = _in_order(session, list(session.scalars(query)), now)
    for row in rows:
        row.lease_owner, row.lease_until = owner, now + timedelta(seconds=lease)
    session.flush()
    return [_row(row) for row in rows]


def _in_order(session: Session, rows: list[schema.Alert], now: datetime) -> list[schema.Alert]:
    """Per channel, only the rows older than its oldest pending row that may not
    go yet (waiting for a retry, or leased to another worker): a channel gets
    its alerts in creation order, also after an outage."""
    kept: list[schema.Alert] = []
    for channel in dict.fromkeys(row.channel for row in rows):
        blocker = session.execute(
            select(schema.Alert.created_at, schema.Alert.id)
            .where(schema.Alert.channel == channel, schema.Alert.status == "pending")
            .where(
                or_(
                    schema.Alert.next_attempt_at > now,
                    and_(schema.Alert.lease_until.is_not(None), schema.Alert.lease_until >= now),
                )
            )
            .order_by(schema.Alert.created_at, schema.Alert.id)
            .limit(1)
        ).first()
        mine = [row for row in rows if row.channel == channel]
        kept += [row for row in mine if blocker is None or (row.created_at, row.id) < tuple(blocker)]
    return sorted(kept, key=lambda row: (row.created_at, row.id))


def mark_alerts(session: Session, ids: Sequence[str], **values: object) -> None:
    session.execute(
        update(schema.Alert)
        .where(schema.Alert.id.in_(list(ids)))
        .values(lease_owner=None, lease_until=None, **values)
    )


def list_alerts(session: Session, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
    query = select(schema.Alert).order_by(schema.Alert.created_at.desc()).limit(limit)
    if status:
        query = query.where(schema.Alert.status == status)
    return [_row(row) for row in session.scalars(query)]


def requeue_alert(session: Session, alert_id: str) -> bool:
    result = session.execute(
        update(schema.Alert)
        .where(schema.Alert.id == alert_id, schema.Alert.status == "dead")
        .values(
            status="pending",
            next_attempt_at=utcnow(),
            attempts=0,
            created_at=utcnow(),
            lease_owner=None,
            lease_until=None,
        )
    )
    return bool(getattr(result, "rowcount", 0))
