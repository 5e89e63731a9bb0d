"""The one door to the database: ``Store``, with named, typed methods.

Every method is one transaction and speaks ``monitor.model`` dataclasses
and the intents of ``monitor.store.intents``; sessions, rows and SQLAlchemy
never leave ``monitor.store``. ``save_poll`` is the poll's ONE transaction:
articles, claims, the changes they make, their outbox rows and the feed's
new state commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..config import FeedConfig
from ..errors import MonitorError
from ..facts.decide import Known
from ..model import Article, Change, Claim
from . import articles as article_rows
from . import channels as channel_rows
from . import facts as fact_rows
from . import feeds as feed_rows
from . import instances as instance_rows
from . import outbox
from . import replay as replay_rows
from . import stories as story_rows
from .engine import (
    READ_ONLY,
    database_faults,
    make_engine,
    migrate,
    quick_check,
    redact_url,
    schema_is_current,
    schema_state,
)
from .facts import BaselineFact
from .feeds import FeedState
from .instances import StatusReport
from .intents import AlertMaterial, Decide, FeedRelease, NewArticle
from .outbox import OutboxRow
from .reads import ReplayReads, StoryReads, ViewReads
from .retention import PruneReport, prune
from .sqlite_guard import hold_instance_lock
from .stories import StoryBaseline
from .types import utcnow

__all__ = ["ArticleConflict", "DeadLetter", "Store"]

log = logging.getLogger(__name__)

# Transaction-scoped advisory locks on PostgreSQL (SQLite's BEGIN IMMEDIATE
# already serialises writers): one for "read what is known, diff, write
# changes", one for making the feeds table match the config when several
# instances start at once.
FACTS_LOCK_ID = 0x6661637473
FEEDS_SYNC_LOCK_ID = 0x6665656473


class ArticleConflict(MonitorError):
    """Another instance stored one of these articles first; nothing of this write was kept."""


@dataclass(frozen=True)
class DeadLetter:
    """What marking an alert dead did to its channel."""

    disabled: bool  # the channel was disabled by this failure
    notice: bool  # the operator may be told now (rate-limited per channel)


class Store(ViewReads, ReplayReads, StoryReads):
    def __init__(self, url: str, *, engine: Engine | None = None, pool_size: int = 10):
        self.url = url
        with database_faults(self.display_url):
            self.engine = engine or make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    # -- the connection --------------------------------------------------------------

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> Store:
        """Check the database (a corrupt SQLite page is refused) and bring its schema up."""
        with database_faults(self.display_url):
            quick_check(self.engine, self.display_url)
            migrate(self.engine)
        return self

    def schema_is_current(self) -> bool:
        return schema_is_current(self.engine)

    def schema_state(self) -> tuple[str | None, str | None, bool]:
        """(the database's revision, this code's head, whether this code knows the database's)."""
        return schema_state(self.engine)

    def hold_instance_lock(self) -> IO[str] | None:
        """On a SQLite file, the lock that lets one ``monitor run`` use it; None otherwise."""
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return hold_instance_lock(Path(url.database))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        For this package and white-box tests of it; the service calls the named methods.
        """
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads; on SQLite it does not wait for writers."""
        with (
            self.engine.connect().execution_options(**{READ_ONLY: True}) as connection,
            Session(bind=connection, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def lock(self, session: Session, lock_id: int) -> None:
        """Hold ``lock_id`` until the transaction ends (PostgreSQL; a no-op on SQLite)."""
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})

    def dispose(self) -> None:
        self.engine.dispose()

    # -- feeds -------------------------------------------------------------------------

    def sync_feeds(self, feeds: Sequence[FeedConfig]) -> None:
        """Make the feeds table match the config, safely when instances start together."""
        with self.transaction() as session:
            self.lock(session, FEEDS_SYNC_LOCK_ID)
            feed_rows.sync_feeds(session, feeds)

    def feed_states(self) -> list[FeedState]:
        with self.read() as session:
            return feed_rows.feed_states(session)

    def claim_due_feeds(
        self, owner: str, *, limit: int, lease: float, names: Sequence[str] | None = None, force: bool = False
    ) -> list[FeedState]:
        """Lease due feeds (or, with ``force``, every enabled one named) for ``owner``."""
        with self.transaction() as session:
            return feed_rows.claim_due_feeds(
                session, owner, limit=limit, lease=lease, names=names, force=force
            )

    def renew_feed_leases(self, owner: str, feed_ids: Sequence[int], lease: float) -> int:
        """Extend ``owner``'s leases on feeds it is still polling."""
        with self.transaction() as session:
            return feed_rows.renew_feed_leases(session, owner, feed_ids, lease)

    def release_feed(self, release: FeedRelease) -> bool:
        with self.transaction() as session:
            return feed_rows.release_feed(session, release.feed_id, release.owner, **release.values)

    # -- articles, claims and changes: the poll's one transaction ------------------------

    def seen_keys(self, keys: Iterable[str]) -> set[str]:
        """Which identity keys are stored: indexed look-ups only."""
        with self.read() as session:
            return article_rows.seen_keys(session, keys)

    def save_poll(
        self,
        articles: Sequence[NewArticle],
        decide: Decide,
        *,
        feed_id: int | None,
        channels: Sequence[str],
        release: FeedRelease | None = None,
    ) -> list[Change]:
        """Store new articles, their claims, the changes ``decide`` makes and their outbox rows,
        and the feed's new state, in ONE transaction. Raises ``ArticleConflict`` (and keeps
        nothing) when another instance stored one of the articles first."""
        try:
            with self.transaction() as session:
                claims = [claim for item in articles for claim in item.claims]
                if claims:
                    self.lock(session, FACTS_LOCK_ID)
                article_rows.add_articles(
                    session, [(item.article, item.keys, feed_id, item.failed) for item in articles]
                )
                article_rows.add_claims(session, claims)
                changes = self._record(session, claims, decide, channels)
                if release is not None:
                    feed_rows.release_feed(session, release.feed_id, release.owner, **release.values)
        except IntegrityError as exc:
            raise ArticleConflict(f"another instance stored one of {len(articles)} articles first") from exc
        return changes

    def failed_articles(self, *, max_attempts: int, limit: int) -> list[tuple[Article, list[str], int]]:
        """Articles some extractor failed on, with those extractors and the attempts so far."""
        with self.read() as session:
            return article_rows.failed_articles(session, max_attempts=max_attempts, limit=limit)

    def save_reextraction(
        self,
        article_id: str,
        claims: Sequence[Claim],
        decide: Decide,
        *,
        failed: Sequence[str],
        attempts: int,
        give_up: bool,
        channels: Sequence[str],
    ) -> list[Change]:
        """The claims of a stored article read again, the changes they make, and its new status."""
        with self.transaction() as session:
            if claims:
                self.lock(session, FACTS_LOCK_ID)
            article_rows.add_claims(session, claims)
            changes = self._record(session, claims, decide, channels)
            article_rows.mark_extracted(session, article_id, failed, attempts, give_up=give_up)
        return changes

    def save_replayed(
        self,
        article_id: str,
        claims: Sequence[Claim],
        fresh: Sequence[Claim],
        decide: Decide,
        *,
        topics: Sequence[str] | None,
        channels: Sequence[str],
    ) -> list[Change]:
        """A stored article read again: its claims (under ``topics``) replaced, and the changes
        ``decide`` makes of the ``fresh`` ones (those it was not stored making)."""
        with self.transaction() as session:
            self.lock(session, FACTS_LOCK_ID)
            replay_rows.replace_claims(session, article_id, claims, topics)
            return self._record(session, fresh, decide, channels)

    def _record(
        self, session: Session, claims: Sequence[Claim], decide: Decide, channels: Sequence[str]
    ) -> list[Change]:
        if not claims:
            return []
        known = fact_rows.load_known(session, {c.key for c in claims})
        decisions = decide(known, lambda key, value: fact_rows.outlets_reporting(session, key, value))
        # A story in its learning window takes first-seen values as its baseline, and alerts nothing.
        learnt, quiet = story_rows.learn_changes(session, [d.change for d in decisions], utcnow())
        stored: list[Change] = []
        alerted: list[int] = []
        for index, decision in enumerate(decisions):
            if index in learnt:
                continue
            [saved] = fact_rows.add_changes(session, [decision.change], status=decision.status)
            stored.append(saved)
            if decision.alert and saved.id is not None and index not in quiet:
                alerted.append(saved.id)
        outbox.queue_alerts(session, alerted, channels)
        return stored

    # -- what is known -------------------------------------------------------------------

    def baseline_facts(self) -> list[BaselineFact]:
        with self.transaction() as session:
            return fact_rows.baseline_facts(session)

    def save_baseline(self, facts: Sequence[BaselineFact], *, replace: bool = False) -> None:
        with self.transaction() as session:
            fact_rows.save_baseline(session, facts, replace=replace)

    def save_story_baseline(
        self, record: StoryBaseline, facts: Sequence[BaselineFact], *, replace: bool = False
    ) -> bool:
        """Store a story's baseline once; False when one is recorded already (unless ``replace``)."""
        try:
            with self.transaction() as session:
                self.lock(session, FACTS_LOCK_ID)
                return story_rows.save_story_baseline(session, record, facts, replace=replace)
        except IntegrityError:  # another process recorded it meanwhile (SQLite has no row lock)
            return False

    def load_known(self, keys: Iterable[str] | None = None) -> Known:
        """Baseline plus accepted changes, for ``keys`` (or every key)."""
        with self.transaction() as session:
            return fact_rows.load_known(session, keys)

    # -- the outbox ----------------------------------------------------------------------

    def claim_due_alerts(
        self, owner: str, *, lease: float, now: datetime, channels: Sequence[str]
    ) -> list[OutboxRow]:
        """Lease due rows of ``channels`` that are not disabled, oldest first."""
        with self.transaction() as session:
            disabled = channel_rows.disabled_channels(session)
            return outbox.claim_due_alerts(
                session, owner, lease=lease, now=now, channels=[c for c in channels if c not in disabled]
            )

    def alert_material(self, change_ids: Sequence[int]) -> AlertMaterial:
        with self.transaction() as session:
            changes = fact_rows.list_changes(session, ids=change_ids)
            articles: dict[str, Article] = {}
            for change in changes:
                if change.article and change.article not in articles:
                    article = article_rows.get_article(session, change.article)
                    if article:
                        articles[change.article] = article
            outlets = {c.key: fact_rows.outlets_reporting(session, c.key, c.new) for c in changes}
        return AlertMaterial(changes, articles, outlets)

    def release_alerts(self, ids: Sequence[str]) -> None:
        """Give leased rows back untouched (a digest not due yet, a channel just disabled)."""
        with self.transaction() as session:
            outbox.mark_alerts(session, ids)

    def mark_sent(self, ids: Sequence[str], *, attempts: int) -> None:
        with self.transaction() as session:
            outbox.mark_alerts(
                session, ids, status="sent", sent_at=utcnow(), attempts=attempts, last_error=None
            )

    def mark_retry(self, ids: Sequence[str], *, attempts: int, error: str, next_attempt_at: datetime) -> None:
        with self.transaction() as session:
            outbox.mark_alerts(
                session, ids, attempts=attempts, last_error=error, next_attempt_at=next_attempt_at
            )

    def mark_dead(
        self,
        ids: Sequence[str],
        *,
        attempts: int,
        reason: str,
        channel: str,
        disable: bool,
        notice_interval: float,
    ) -> DeadLetter:
        """Mark rows dead; disable the channel too when asked. Says whether the operator may be told."""
        with self.transaction() as session:
            outbox.mark_alerts(session, ids, status="dead", attempts=attempts, last_error=reason)
            disabled = disable and channel_rows.disable_channel(session, channel, reason)
            notice = channel_rows.take_notice_slot(session, channel, notice_interval)
        return DeadLetter(disabled, notice)

    def list_alerts(self, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        with self.transaction() as session:
            return outbox.list_alerts(session, status=status, limit=limit)

    def requeue_alert(self, alert_id: str) -> bool:
        """Put a dead alert back in the queue; False when there is no dead alert of that id."""
        with self.transaction() as session:
            return outbox.requeue_alert(session, alert_id)

    def disabled_channels(self) -> dict[str, str]:
        with self.transaction() as session:
            return channel_rows.disabled_channels(session)

    def enable_channel(self, name: str) -> bool:
        with self.transaction() as session:
            return channel_rows.enable_channel(session, name)

    # -- instances -----------------------------------------------------------------------

    def prune(
        self, *, alerts_before: datetime | None, articles_before: datetime | None, dry_run: bool = False
    ) -> PruneReport:
        """Retention (``retention.py``): old sent/dead alerts, old article bodies; never what is needed."""
        with self.transaction() as session:
            report = prune(
                session, alerts_before=alerts_before, articles_before=articles_before, dry_run=dry_run
            )
            if dry_run:
                session.rollback()
            return report

    def beat(self, instance: str) -> None:
        with self.transaction() as session:
            instance_rows.beat(session, instance)

    def remove_instance(self, instance: str) -> None:
        with self.transaction() as session:
            instance_rows.remove_instance(session, instance)

    def status_report(self, *, alive_within: float) -> StatusReport:
        with self.transaction() as session:
            return instance_rows.status_report(session, alive_within=alive_within)
