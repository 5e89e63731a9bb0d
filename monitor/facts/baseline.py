"""The baseline: the facts of one article, extracted by the same extractors, stored once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import MonitorError
from ..ingest.articlefile import read_article_file
from ..model import Article
from ..plugins import PluginHost
from ..store import BaselineFact, Store
from .analysis import analyse
from .decide import Known, pick_claims

log = logging.getLogger(__name__)

__all__ = [
    "BuildResult",
    "baseline_article_path",
    "build_baseline",
    "ensure_baseline",
    "extract_baseline",
    "known_from_baseline",
]


@dataclass(frozen=True)
class BuildResult:
    created: bool
    facts: list[BaselineFact]
    source: str


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


def baseline_article_path(config: Config, explicit: Path | None = None) -> Path:
    path = explicit or config.baseline_article
    if path is None:
        raise MonitorError(f"no baseline article given and none in [baseline] of {config.source}")
    return path


def build_baseline(
    store: Store, host: PluginHost, config: Config, path: Path | None = None, *, replace: bool = False
) -> BuildResult:
    """Store the baseline once; building again is a no-op unless ``replace``."""
    path = baseline_article_path(config, path)
    existing = store.baseline_facts()
    if existing and not replace:
        return BuildResult(False, existing, existing[0].source)
    facts = extract_baseline(host, read_article_file(path), timeout=config.service.plugin_timeout)
    if not facts:
        raise MonitorError(f"{path}: the extractors found no facts; the baseline was not stored")
    facts = [
        BaselineFact(f.key, f.kind, f.value, f.evidence, f.extractor, f.confidence, path.name) for f in facts
    ]
    store.save_baseline(facts, replace=replace)
    return BuildResult(True, facts, path.name)


def ensure_baseline(store: Store, host: PluginHost, config: Config) -> BuildResult | None:
    """Build the baseline from the configured article if none is stored yet.

    Without a baseline every first claim would be "new"; the service builds
    it on first start so that a fresh install alerts on real changes only.
    """
    if config.baseline_article is None or store.baseline_facts():
        return None
    result = build_baseline(store, host, config)
    log.info("baseline built from %s: %d facts", result.source, len(result.facts))
    return result
