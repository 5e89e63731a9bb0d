"""``monitor replay``: today's extractors over the stored articles, in publication order.

After the rules improve, or when a story is added, the articles already
stored may hold claims the extractors did not see then. Replay reads them
again, oldest first, and records the claims and the changes they make now,
one article per transaction (so it is safe while ``monitor run`` runs). Only
the claims an article was not stored making are decided, so an interrupted
replay started again changes nothing twice. It alerts only when asked: old
news is not news. ``dry_run`` decides against what is known in memory and
stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..api import Story
from ..config import Config
from ..errors import MonitorError
from ..facts.analysis import analyse, decider
from ..facts.baseline import ensure_baselines, extract_baseline, stories, story_articles
from ..facts.decide import Known
from ..ingest.articlefile import read_article_file
from ..model import Article, Change
from ..plugins import PluginHost
from ..store import Store

__all__ = ["ReplayReport", "replay"]

log = logging.getLogger(__name__)
PAGE = 200


@dataclass
class ReplayReport:
    articles: int = 0
    claims: int = 0
    changes: list[Change] = field(default_factory=list)
    alerted: bool = False
    dry_run: bool = False


def _one_outlet(_key: str, _value: Any) -> int:
    return 1


def _chosen(host: PluginHost, config: Config, name: str | None) -> list[Story] | None:
    if name is None:
        return None
    known = {s.name: s for s in stories(host, config)}
    if name not in known:
        raise MonitorError(f"no story named {name!r}; known: {', '.join(known) or 'none'}")
    return [known[name]]


def _known_for_dry_run(store: Store, host: PluginHost, config: Config) -> Known:
    """What is known, plus the baselines a real replay would build first (in memory)."""
    known = store.load_known()
    recorded = {r.story for r in store.story_baselines()}
    timeout = config.service.plugin_timeout
    for story in stories(host, config):
        if story.name in recorded:
            continue
        for path in story_articles(config, story):
            for fact in extract_baseline(host, read_article_file(path), timeout=timeout):
                if story.owns(fact.key) and fact.key not in known.baseline:
                    known.add_baseline(fact.key, fact.kind, fact.value)
    return known


def replay(
    store: Store,
    host: PluginHost,
    config: Config,
    *,
    story: str | None = None,
    since: datetime | None = None,
    alert: bool = False,
    dry_run: bool = False,
    on_article: Callable[[Article], None] | None = None,
) -> ReplayReport:
    """Read the stored articles (published since ``since``) again with today's extractors
    (those of ``story``, or all) and record what they find now."""
    chosen = _chosen(host, config, story)
    topics = None if chosen is None else tuple(t for s in chosen for t in s.topics)
    only = None
    if topics is not None:
        only = [n for n, ex in host.extractors.items() if any(f.topic in topics for f in ex.facts)]
    if not dry_run:
        ensure_baselines(store, host, config)
    known = _known_for_dry_run(store, host, config) if dry_run else None
    channels = [c.name for c in config.channels] if alert else []
    timeout = config.service.plugin_timeout
    report = ReplayReport(alerted=alert and not dry_run, dry_run=dry_run)
    cursor: tuple[datetime, str] | None = None
    while page := store.replay_articles(since=since, after=cursor, limit=PAGE):
        for article in page:
            analysis = analyse(host, article, timeout=timeout, only=only)
            claims = [c for c in analysis.claims if topics is None or c.topic in topics]
            # What the article was stored making was decided then; only what it says now is.
            fresh = store.new_claims(article.id, claims)
            decide = decider(
                host, [replace(analysis, claims=fresh)], policy=config.policy, now=article.published
            )
            if known is not None:
                report.changes += [d.change for d in decide(known, _one_outlet)]
            else:
                report.changes += store.save_replayed(
                    article.id, claims, fresh, decide, topics=topics, channels=channels
                )
            report.articles += 1
            report.claims += len(claims)
            if on_article is not None:
                on_article(article)
        last = page[-1]
        when = last.published or last.fetched
        if when is None:  # never: a stored article has its publication time
            break
        cursor = (when, last.id)
    log.info(
        "replay%s: %d articles, %d claims, %d changes%s",
        " (dry run)" if dry_run else "",
        report.articles,
        report.claims,
        len(report.changes),
        ", alerted" if report.alerted else "",
    )
    return report
