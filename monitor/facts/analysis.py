"""Extract, look up the specs, decide: written once, for poll, retry, diff, eval and baseline.

``analyse`` runs the extractors (isolated, with ``[service] plugin_timeout``);
``decider`` turns analysed articles into the store's ``Decide`` callback,
which the poll runs inside its one transaction; ``extract_and_diff`` does both
against a ``Known`` in memory, storing nothing (``monitor diff``, ``monitor eval``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..config import PolicyRule
from ..extract.run import extract
from ..model import Article, Claim
from ..plugins import PluginHost
from .decide import Decision, Known, decide

__all__ = ["Analysis", "analyse", "decider", "extract_and_diff"]


@dataclass(frozen=True)
class Analysis:
    """One article with the claims its extractors made, and the extractors that failed on it."""

    article: Article
    claims: list[Claim] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def analyse(
    host: PluginHost, article: Article, *, timeout: float, only: Iterable[str] | None = None
) -> Analysis:
    result = extract(host, article, timeout=timeout, only=only)
    return Analysis(article, result.claims, result.failed)


def _one_outlet(_key: str, _value: Any) -> int:
    return 1


def decider(
    host: PluginHost,
    analyses: Sequence[Analysis],
    *,
    policy: Sequence[PolicyRule] = (),
    now: datetime | None = None,
) -> Callable[[Known, Callable[[str, Any], int]], list[Decision]]:
    """The decision over ``analyses``, to be run against what is known when it is known."""
    pairs = [(a.article, a.claims) for a in analyses]
    specs = host.vocabulary.specs_by_key({c.key for a in analyses for c in a.claims})

    def run(known: Known, outlets: Callable[[str, Any], int]) -> list[Decision]:
        return decide(pairs, known, specs, policy, outlets, now=now or datetime.now(UTC))

    return run


def extract_and_diff(
    host: PluginHost, articles: Sequence[Article], known: Known, *, timeout: float
) -> tuple[list[Analysis], list[Decision]]:
    """Analyse ``articles`` and decide them, in order, against ``known`` (which is updated)."""
    analyses = [analyse(host, article, timeout=timeout) for article in articles]
    return analyses, decider(host, analyses)(known, _one_outlet)
