"""The alert outbox: rows written with the changes, delivered later by notifiers."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .model import Change
from .store import schema

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["alert_id", "enqueue_alerts"]


def alert_id(channel: str, change_ids: Sequence[int]) -> str:
    """Stable for the same changes on the same channel, so a re-send carries the same id."""
    digest = hashlib.sha256(f"{channel}:{','.join(map(str, sorted(change_ids)))}".encode()).hexdigest()
    return f"alert_{digest[:26]}"


def enqueue_alerts(session: Session, rt: Runtime, changes: Sequence[Change]) -> None:
    """One outbox row per channel for the changes found in one poll, in the caller's transaction."""
    ids = [c.id for c in changes if c.id is not None]
    for channel in rt.config.channels:
        session.add(schema.Alert(id=alert_id(channel.name, ids), channel=channel.name, change_ids=ids))
