"""The database schema: typed SQLAlchemy 2.x models.

These classes never leave ``monitor.store``; the rest of the service sees
the dataclasses of ``monitor.model``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar = {datetime: UTCDateTime(), dict[str, Any]: JSON, Any: JSON}


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    interval: Mapped[float]
    enabled: Mapped[bool] = mapped_column(default=True)
    outlet: Mapped[str | None] = mapped_column(String(200))
    # Conditional GET state, sent back verbatim.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # A server that ignores validators but sends the same bytes is caught by this.
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_parse_warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_new: Mapped[int] = mapped_column(default=0)
    unstable_ids: Mapped[bool] = mapped_column(default=False)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Set while an instance polls the feed; expires so a dead instance's work is taken over.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"), index=True)
    guid: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[datetime]
    fetched: Mapped[datetime] = mapped_column(default=utcnow)
    # "done" once its claims are stored; "failed" when an extractor failed and
    # the article is to be read again by those extractors (failed_extractors,
    # extract_attempts); "abandoned" when they kept failing.
    status: Mapped[str] = mapped_column(String(20), default="done", index=True)
    extract_attempts: Mapped[int] = mapped_column(default=1)
    failed_extractors: Mapped[Any | None] = mapped_column(JSON)


class ArticleKey(Base):
    """Every identity an article is known by (guid, canonical URL): dedup is one indexed look-up."""

    __tablename__ = "article_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_key_value", "key", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any]
    value_hash: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(100))
    confidence: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BaselineFact(Base):
    __tablename__ = "baseline_facts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[Any]
    evidence: Mapped[str] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(100))
    confidence: Mapped[float]
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoryBaseline(Base):
    """How one story's baseline was made: from its article, or learnt in a window."""

    __tablename__ = "story_baselines"

    story: Mapped[str] = mapped_column(String(100), primary_key=True)
    topics: Mapped[Any]
    mode: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    learning_until: Mapped[datetime | None]


class Change(Base):
    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    change: Mapped[str] = mapped_column(String(10))
    old: Mapped[Any | None]
    new: Mapped[Any]
    baseline: Mapped[Any | None]
    direction: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[str] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(100))
    confidence: Mapped[float]
    article_id: Mapped[str | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    # "accepted" changes move what is known; "pending" wait for more outlets;
    # "disputed" contradict the current value without replacing it.
    status: Mapped[str] = mapped_column(String(10), default="accepted")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Alert(Base):
    """The outbox: one row per (change group, channel), written with the change."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    change_ids: Mapped[Any]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]


class ChannelState(Base):
    """A channel the core stopped using (its endpoint is gone, or it failed for too long)."""

    __tablename__ = "channel_states"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Operator notices are rate-limited per channel: one outage, one notice.
    last_notice_at: Mapped[datetime | None]


class Instance(Base):
    """A heartbeat row per running ``monitor run``."""

    __tablename__ = "instances"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
