"""The store: one engine, transactions, and start-up checks."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from ..config import FeedConfig
from .engine import READ_ONLY, make_engine, migrate, redact_url

__all__ = ["Store"]

log = logging.getLogger(__name__)

# Transaction-scoped advisory locks on PostgreSQL (SQLite's BEGIN IMMEDIATE
# already serialises writers): one for "read what is known, diff, write
# changes", one for making the feeds table match the config when several
# instances start at once.
FACTS_LOCK_ID = 0x6661637473
FEEDS_SYNC_LOCK_ID = 0x6665656473


class Store:
    def __init__(self, url: str, *, engine: Engine | None = None, pool_size: int = 10):
        self.url = url
        self.engine = engine or make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> Store:
        migrate(self.engine)
        return self

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
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

    def lock_facts(self, session: Session) -> None:
        self.lock(session, FACTS_LOCK_ID)

    def sync_feeds(self, feeds: Sequence[FeedConfig]) -> None:
        """Make the feeds table match the config, safely when instances start together."""
        from .feeds import sync_feeds

        with self.transaction() as session:
            self.lock(session, FEEDS_SYNC_LOCK_ID)
            sync_feeds(session, feeds)

    def dispose(self) -> None:
        self.engine.dispose()
