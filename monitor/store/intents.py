"""What the core hands the store to write, and what the store hands back: plain typed data.

The service says *what* to store (an intent); ``Store`` decides how, in one
transaction. Nothing here knows SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..facts.decide import Decision, Known
from ..model import Article, Change, Claim

__all__ = ["AlertMaterial", "Decide", "FeedRelease", "NewArticle", "Outlets"]

Outlets = Callable[[str, Any], int]
"""``outlets(key, value)``: distinct outlets that claimed ``value`` for ``key``."""

Decide = Callable[[Known, Outlets], Sequence[Decision]]
"""Called inside the write transaction with what is known about the claims'
keys; returns the decisions to store. It must only compute (see
``monitor.facts.decide``)."""


@dataclass(frozen=True)
class NewArticle:
    """An article to store, with the identity keys dedup found it new under and its claims."""

    article: Article
    keys: Sequence[str]
    claims: Sequence[Claim] = ()
    failed: Sequence[str] = ()  # extractors that failed on it: it is read again later


@dataclass(frozen=True)
class FeedRelease:
    """A feed's new state after a poll; the lease is given back with it."""

    feed_id: int
    owner: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertMaterial:
    """Everything an alert shows about its changes, read in one transaction."""

    changes: list[Change]
    articles: dict[str, Article]
    outlets: dict[str, int]
