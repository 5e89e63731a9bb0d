"""Baselines, one per story: the facts of its article(s), extracted by the same extractors, stored once.

A story registers its baseline article(s) as package data; ``[baseline]
article`` in the config overrides them (for the story named by ``[baseline]
story``, or for every story). A story without an article starts with a
learning window (``[baseline] learning_hours``): the values first seen in it
become its baseline instead of ``new`` alerts (``monitor.store.stories``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..api import Story
from ..config import Config
from ..errors import MonitorError
from ..ingest.articlefile import read_article_file
from ..model import Article
from ..plugins import PluginHost
from ..store import BaselineFact, Store, StoryBaseline
from ..store.types import utcnow
from .analysis import analyse
from .decide import Known, pick_claims

log = logging.getLogger(__name__)

__all__ = [
    "CONFIG_STORY",
    "BuildResult",
    "baseline_article_path",
    "build_baseline",
    "build_story_baseline",
    "ensure_baseline",
    "ensure_baselines",
    "extract_baseline",
    "known_from_baseline",
    "stories",
    "story_articles",
]

# The facts a config's [baseline] article yields that no registered story owns.
CONFIG_STORY = "config"


@dataclass(frozen=True)
class BuildResult:
    created: bool
    facts: list[BaselineFact]
    source: str
    story: str = ""
    mode: str = "article"
    learning_until: datetime | None = None


def extract_baseline(host: PluginHost, article: Article, *, timeout: float) -> list[BaselineFact]:
    claims = pick_claims(analyse(host, article, timeout=timeout).claims)
    specs = host.vocabulary.specs_by_key({c.key for c in claims})
    source = article.url or article.outlet or article.id
    return sorted(
        (
            BaselineFact(c.key, specs[c.key].kind, c.value, c.evidence, c.extractor, c.confidence, source)
            for c in claims
            if c.key in specs
        ),
        key=lambda f: f.key,
    )


def known_from_baseline(facts: list[BaselineFact]) -> Known:
    known = Known()
    for fact in facts:
        known.add_baseline(fact.key, fact.kind, fact.value)
    return known


def stories(host: PluginHost, config: Config) -> list[Story]:
    """The registered stories, and - when ``[baseline] article`` is for every story and
    some extractor's facts belong to none - one for those facts, named ``config``."""
    found = list(host.stories.values())
    owned = {topic for story in found for topic in story.topics}
    unowned = tuple(sorted({t for t, _ in host.vocabulary.specs} - owned))
    if config.baseline_article is not None and config.baseline_story is None and unowned:
        found.append(Story(CONFIG_STORY, "The facts of the [baseline] article no story owns", unowned))
    return found


def story_articles(config: Config, story: Story) -> tuple[Path, ...]:
    """The article(s) a story's baseline is built from: the config's override, or its own."""
    if config.baseline_article is not None and config.baseline_story in (None, story.name):
        return (config.baseline_article,)
    return story.baseline


def baseline_article_path(
    config: Config, explicit: Path | None = None, host: PluginHost | None = None
) -> Path:
    """One baseline article for the tools (diff, eval): given, configured, or the first story's."""
    path = explicit or (config.baseline_article if config.baseline_story is None else None)
    if path is None and host is not None:
        path = next((p for s in host.stories.values() for p in story_articles(config, s)), None)
    if path is None:
        raise MonitorError(
            f"no baseline article given, none in [baseline] of {config.source} and no story ships one"
        )
    return path


def _story(host: PluginHost, config: Config, name: str) -> Story:
    known = {s.name: s for s in stories(host, config)}
    if name not in known:
        raise MonitorError(f"no story named {name!r}; known: {', '.join(known) or 'none'}")
    return known[name]


def build_story_baseline(
    store: Store,
    host: PluginHost,
    config: Config,
    story: Story,
    path: Path | None = None,
    *,
    replace: bool = False,
) -> BuildResult:
    """Store one story's baseline once: from its article(s), or a learning window without one."""
    recorded = {r.story: r for r in store.story_baselines()}.get(story.name)
    if recorded is not None and not replace:
        return _result(False, store, recorded)
    articles = (path,) if path is not None else story_articles(config, story)
    now = utcnow()
    existing = store.story_baseline_facts(story.topics)
    if not articles:
        until = now + timedelta(hours=config.learning_hours)
        record = StoryBaseline(story.name, story.topics, "learning", "learning window", now, until)
        facts: list[BaselineFact] = []
    elif existing and recorded is None and path is None and not replace:
        # A baseline stored before stories had their own record: adopt it.
        record = StoryBaseline(story.name, story.topics, "article", existing[0].source, now)
        facts = existing
    else:
        facts = []
        for article in articles:
            taken = {f.key for f in facts}
            found = extract_baseline(host, read_article_file(article), timeout=config.service.plugin_timeout)
            facts += [
                BaselineFact(f.key, f.kind, f.value, f.evidence, f.extractor, f.confidence, article.name)
                for f in found
                if story.owns(f.key) and f.key not in taken
            ]
        if not facts and (path is not None or (not existing and story.name == CONFIG_STORY)):
            raise MonitorError(f"{articles[0]}: the extractors found no facts; the baseline was not stored")
        record = StoryBaseline(story.name, story.topics, "article", ", ".join(a.name for a in articles), now)
    if not store.save_story_baseline(record, facts, replace=replace or recorded is not None):
        recorded = {r.story: r for r in store.story_baselines()}[story.name]
        return _result(False, store, recorded)
    return BuildResult(
        True,
        sorted(facts, key=lambda f: f.key),
        record.source,
        story.name,
        record.mode,
        record.learning_until,
    )


def _result(created: bool, store: Store, record: StoryBaseline) -> BuildResult:
    facts = store.story_baseline_facts(record.topics)
    return BuildResult(created, facts, record.source, record.story, record.mode, record.learning_until)


def build_baseline(
    store: Store,
    host: PluginHost,
    config: Config,
    path: Path | None = None,
    *,
    replace: bool = False,
    story: str | None = None,
) -> list[BuildResult]:
    """Build the baseline of one story (or of every story); a no-op where one is stored unless ``replace``."""
    chosen = [_story(host, config, story)] if story else stories(host, config)
    if not chosen:
        raise MonitorError("no story is registered: no plugin follows one")
    results: list[BuildResult] = []
    problems: list[MonitorError] = []
    for one in chosen:
        try:
            results.append(build_story_baseline(store, host, config, one, path, replace=replace))
        except MonitorError as exc:
            problems.append(exc)
    if problems and not results:
        raise problems[0]
    return results


def ensure_baselines(store: Store, host: PluginHost, config: Config) -> list[BuildResult]:
    """Build every story's baseline that is not stored yet (the service does it on first start),
    so that a fresh install alerts on real changes only. Returns those built."""
    built = []
    recorded = {r.story for r in store.story_baselines()}
    for story in stories(host, config):
        if story.name in recorded:
            continue
        try:
            result = build_story_baseline(store, host, config, story)
        except (MonitorError, OSError) as exc:
            log.error("story %s: baseline not built: %s", story.name, exc)
            continue
        if not result.created:
            continue
        built.append(result)
        if result.mode == "learning":
            log.info(
                "story %s: no baseline article; learning its baseline until %s",
                story.name,
                result.learning_until.strftime("%Y-%m-%d %H:%M UTC") if result.learning_until else "?",
            )
        else:
            log.info(
                "story %s: baseline built from %s: %d facts", story.name, result.source, len(result.facts)
            )
    return built


ensure_baseline = ensure_baselines  # the name before stories had their own baselines
