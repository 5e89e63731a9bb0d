"""The baseline: the facts of one article, extracted by the same extractors, stored once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import MonitorError
from ..extract.run import extract, specs_by_key
from ..ingest.articlefile import read_article_file
from ..model import Article
from ..plugins import PluginHost
from ..service.core import Runtime
from ..store import facts as fact_store
from ..store.facts import BaselineFact
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


def extract_baseline(host: PluginHost, article: Article) -> list[BaselineFact]:
    claims = pick_claims(extract(host, article).claims)
    specs = specs_by_key(host, {c.key for c in claims})
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


def baseline_article_path(rt: Runtime, explicit: Path | None = None) -> Path:
    path = explicit or rt.config.baseline_article
    if path is None:
        raise MonitorError(f"no baseline article given and none in [baseline] of {rt.config.source}")
    return path


def build_baseline(rt: Runtime, path: Path | None = None, *, replace: bool = False) -> BuildResult:
    """Store the baseline once; building again is a no-op unless ``replace``."""
    path = baseline_article_path(rt, path)
    with rt.store.transaction() as session:
        existing = fact_store.baseline_facts(session)
        if existing and not replace:
            return BuildResult(False, existing, existing[0].source)
    facts = extract_baseline(rt.plugins, read_article_file(path))
    if not facts:
        raise MonitorError(f"{path}: the extractors found no facts; the baseline was not stored")
    facts = [
        BaselineFact(f.key, f.kind, f.value, f.evidence, f.extractor, f.confidence, path.name) for f in facts
    ]
    with rt.store.transaction() as session:
        fact_store.save_baseline(session, facts, replace=replace)
    return BuildResult(True, facts, path.name)


def ensure_baseline(rt: Runtime) -> BuildResult | None:
    """Build the baseline from the configured article if none is stored yet.

    Without a baseline every first claim would be "new"; the service builds
    it on first start so that a fresh install alerts on real changes only.
    """
    if rt.config.baseline_article is None:
        return None
    with rt.store.transaction() as session:
        if fact_store.baseline_facts(session):
            return None
    result = build_baseline(rt)
    log.info("baseline built from %s: %d facts", result.source, len(result.facts))
    return result
