"""The store on SQLite and on the local PostgreSQL: the same code, the same results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.config import FeedConfig
from monitor.model import Article, Change
from monitor.store import articles, facts
from monitor.store.db import Store
from monitor.store.engine import SchemaError
from monitor.store.feeds import claim_due_feeds, feed_states, release_feed, sync_feeds

NOW = datetime.now(UTC)
FEEDS = [FeedConfig("a", "http://127.0.0.1:1/a", 60), FeedConfig("b", "http://127.0.0.1:1/b", 60)]


@pytest.fixture
def store(database_url: str) -> Store:
    store = Store(database_url).migrate()
    yield store
    store.dispose()


def test_migrations_are_idempotent_and_refuse_a_newer_schema(store: Store) -> None:
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaError, match="newer than this version"):
        store.migrate()


def test_sync_feeds_adds_updates_and_disables(store: Store) -> None:
    with store.transaction() as s:
        sync_feeds(s, FEEDS)
    with store.transaction() as s:
        sync_feeds(s, [FeedConfig("a", "http://127.0.0.1:1/new", 30)])
        states = {f.name: f for f in feed_states(s)}
    assert states["a"].url.endswith("/new") and states["a"].interval == 30
    assert states["b"].enabled is False


def test_leases_give_each_due_feed_to_one_owner_and_expire(store: Store) -> None:
    with store.transaction() as s:
        sync_feeds(s, FEEDS)
    NOW = datetime.now(UTC) + timedelta(seconds=5)
    with store.transaction() as s:
        first = claim_due_feeds(s, "one", limit=10, lease=60, now=NOW)
    with store.transaction() as s:
        second = claim_due_feeds(s, "two", limit=10, lease=60, now=NOW)
    assert {f.name for f in first} == {"a", "b"} and second == []
    with store.transaction() as s:
        taken_over = claim_due_feeds(s, "two", limit=10, lease=60, now=NOW + timedelta(seconds=61))
    assert {f.name for f in taken_over} == {"a", "b"}
    with store.transaction() as s:
        # The first owner's lease is gone: its late result must not overwrite state.
        assert not release_feed(s, first[0].id, "one", last_status=200)
        assert release_feed(s, first[0].id, "two", last_status=200, next_poll_at=NOW + timedelta(minutes=10))
    with store.transaction() as s:
        due = claim_due_feeds(s, "three", limit=10, lease=60, now=NOW + timedelta(seconds=62))
    assert due == []  # a is polled and not due; b is still leased by "two"


def test_dedup_keys_and_known_facts(store: Store) -> None:
    article = Article(
        "id1", "Title", "Text", url="https://x.example/1", published=NOW, fetched=NOW, outlet="X"
    )
    with store.transaction() as s:
        articles.add_articles(s, [(article, ["g:1", "u:1"], None, "done")])
        facts.save_baseline(s, [facts.BaselineFact("c.c.n", "state", 26, "26 of them", "c", 1.0, "seed")])
    with store.transaction() as s:
        assert articles.seen_keys(s, ["g:1", "u:2", "u:1"]) == {"g:1", "u:1"}
        facts.add_changes(
            s,
            [
                Change(
                    "c.c.n", "changed", 27, old=26, baseline=26, evidence="27", extractor="c", article="id1"
                )
            ],
        )
    with store.transaction() as s:
        known = facts.load_known(s, ["c.c.n"])
        overview = facts.facts_overview(s)
    assert known.state == {"c.c.n": 27} and known.baseline == {"c.c.n": 26}
    assert (
        overview[0].current == 27
        and overview[0].baseline == 26
        and "https://x.example/1" in overview[0].source
    )


def test_migrations_match_the_models(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from monitor.store.schema import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
