"""Compare article files with what is known, storing nothing (``monitor diff``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ..extract.run import extract, specs_by_key
from ..facts.baseline import baseline_article_path, extract_baseline, known_from_baseline
from ..facts.decide import Known, diff_claims
from ..ingest.articlefile import read_article_file
from ..model import Change
from ..plugins import PluginHost
from ..service.core import Runtime
from ..store import facts as fact_store

__all__ = ["compare_files", "diff_articles_in_order"]

log = logging.getLogger(__name__)


def diff_articles_in_order(host: PluginHost, known: Known, paths: Sequence[Path]) -> list[Change]:
    """Each file against ``known`` plus the earlier files' changes."""
    changes: list[Change] = []
    for path in paths:
        article = read_article_file(path)
        claims = extract(host, article).claims
        specs = specs_by_key(host, {c.key for c in claims})
        changes += diff_claims(claims, known, specs, when=article.published).changes
    return changes


def compare_files(rt: Runtime, paths: Sequence[Path]) -> list[Change]:
    with rt.store.transaction() as session:
        has_baseline = bool(fact_store.baseline_facts(session))
        known = fact_store.load_known(session) if has_baseline else None
    if known is None:
        source = baseline_article_path(rt)
        log.warning("no baseline stored yet; comparing with the one extracted from %s", source)
        known = known_from_baseline(extract_baseline(rt.plugins, read_article_file(source)))
    return diff_articles_in_order(rt.plugins, known, paths)
