"""Compare article files with what is known, storing nothing (``monitor diff``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..facts.analysis import extract_and_diff
from ..facts.baseline import baseline_article_path, extract_baseline, known_from_baseline
from ..ingest.articlefile import read_article_file
from ..model import Change
from ..plugins import PluginHost
from ..store import Store

__all__ = ["compare_files"]

log = logging.getLogger(__name__)


def compare_files(store: Store, host: PluginHost, config: Config, paths: Sequence[Path]) -> list[Change]:
    """Each file, in order, against what is known plus the earlier files' changes."""
    timeout = config.service.plugin_timeout
    if store.baseline_facts():
        known = store.load_known()
    else:
        source = baseline_article_path(config, host=host)
        log.warning("no baseline stored yet; comparing with the one extracted from %s", source)
        known = known_from_baseline(extract_baseline(host, read_article_file(source), timeout=timeout))
    articles = [read_article_file(path) for path in paths]
    _, decisions = extract_and_diff(host, articles, known, timeout=timeout)
    return [d.change for d in decisions]
