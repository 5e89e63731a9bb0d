"""Read-only methods of the ``Store`` door that belong to one tool each: the web pages, replay.

Mixed into ``Store`` (``db.py``), whose ``read()`` they use: a read-only
transaction that does not wait for writers on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from ..model import Article, Change, Claim
from . import facts as fact_rows
from . import replay as replay_rows
from . import stories as story_rows
from . import views
from .facts import BaselineFact, FactOverview
from .stories import StoryBaseline
from .views import ChangeView, FactHistory, FactView, Health, StoredCounts

__all__ = ["ReplayReads", "StoryReads", "ViewReads"]


class _Reads:
    def read(self) -> AbstractContextManager[Session]:
        raise NotImplementedError


class ViewReads(_Reads):
    """The web interface's reads (``monitor.store.views``)."""

    def changes_timeline(self, *, topics: Sequence[str] | None = None, limit: int = 100) -> list[ChangeView]:
        """Changes newest first (only those of ``topics``, when given), with articles and deliveries."""
        with self.read() as session:
            return views.changes_timeline(session, topics=topics, limit=limit)

    def facts_view(self, topics: Sequence[str] | None = None) -> list[FactView]:
        """Every key (of ``topics``): baseline, current value, last move, outlets, open changes."""
        with self.read() as session:
            return views.facts_view(session, topics)

    def fact_history(self, key: str) -> FactHistory | None:
        with self.read() as session:
            return views.fact_history(session, key)

    def known_topics(self) -> set[str]:
        """Every topic with a baseline fact or a change."""
        with self.read() as session:
            return {key.split(".", 1)[0] for key in views.known_keys(session)}

    def health(self, *, grace: float) -> Health:
        """Leases expired more than ``grace`` seconds ago, and heartbeats; raises when the database does not answer."""
        with self.read() as session:
            return views.health(session, grace=grace)

    def stored_counts(self) -> StoredCounts:
        with self.read() as session:
            return views.stored_counts(session)


class ReplayReads(_Reads):
    """What ``monitor replay`` reads: stored articles in order, and the claims they were not stored with."""

    def replay_articles(
        self, *, since: datetime | None, after: tuple[datetime, str] | None, limit: int
    ) -> list[Article]:
        """Stored articles in publication order, a page after the cursor ``(published, id)``."""
        with self.read() as session:
            return replay_rows.articles_in_order(session, since=since, after=after, limit=limit)

    def count_articles(self, *, since: datetime | None = None) -> int:
        with self.read() as session:
            return replay_rows.count_articles(session, since=since)

    def new_claims(self, article_id: str, claims: Sequence[Claim]) -> list[Claim]:
        """Of ``claims`` about a stored article, those not stored for it already."""
        with self.read() as session:
            return replay_rows.new_claims(session, article_id, claims)


class StoryReads(_Reads):
    """What is known of the stories: their baselines, every key's values, the timeline of changes."""

    def story_baselines(self) -> list[StoryBaseline]:
        """How each story's baseline was made, by story name."""
        with self.read() as session:
            return story_rows.story_baselines(session)

    def story_baseline_facts(self, topics: Sequence[str]) -> list[BaselineFact]:
        with self.read() as session:
            return story_rows.story_baseline_facts(session, topics)

    def facts_overview(self) -> list[FactOverview]:
        with self.read() as session:
            return fact_rows.facts_overview(session)

    def list_changes(self, *, limit: int = 100) -> list[Change]:
        """The newest ``limit`` changes, newest first."""
        with self.read() as session:
            return fact_rows.list_changes(session, limit=limit)
