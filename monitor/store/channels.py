"""Channel state: which channels the core stopped using, and when the operator was last told."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import schema
from .types import utcnow

__all__ = ["disable_channel", "disabled_channels", "enable_channel", "take_notice_slot"]


def disabled_channels(session: Session) -> dict[str, str]:
    """Disabled channel names with their reasons."""
    rows = session.scalars(select(schema.ChannelState).where(schema.ChannelState.disabled_at.is_not(None)))
    return {row.name: row.disabled_reason or "" for row in rows}


def _state(session: Session, name: str) -> schema.ChannelState:
    row = session.get(schema.ChannelState, name, with_for_update=True)
    if row is None:
        row = schema.ChannelState(name=name)
        session.add(row)
    return row


def disable_channel(session: Session, name: str, reason: str) -> bool:
    """Disable ``name``; False when it already was."""
    row = _state(session, name)
    if row.disabled_at is not None:
        return False
    row.disabled_at, row.disabled_reason = utcnow(), reason
    return True


def enable_channel(session: Session, name: str) -> bool:
    row = session.get(schema.ChannelState, name)
    if row is None or row.disabled_at is None:
        return False
    row.disabled_at = row.disabled_reason = None
    return True


def take_notice_slot(session: Session, name: str, interval: float, now: datetime | None = None) -> bool:
    """True (and recorded) when an operator notice about ``name`` may be sent now."""
    now = now or utcnow()
    row = _state(session, name)
    if row.last_notice_at is not None and now - row.last_notice_at < timedelta(seconds=interval):
        return False
    row.last_notice_at = now
    return True
