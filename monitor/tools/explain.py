"""Why an extractor read an article as it did: every rule that fired, kept or dropped, and why.

For an evaluation case, each miss and each extra is explained from the rule
engine's hits: the sentence, the frame that matched (or that none did), the
cues around it and what blocked it. Extractors that are not rule-based are
named as such: there is nothing to show but their claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..model import Article
from ..plugins import PluginHost
from ..rules import Hit, RuleExtractor
from .evaluate import CaseResult

__all__ = ["HitLine", "explain_article", "explain_case"]


@dataclass(frozen=True)
class HitLine:
    """One rule that fired on one sentence, as ``--explain`` shows it."""

    extractor: str
    key: str
    value: Any
    frame: str
    kept: bool
    why: str
    cues: tuple[str, ...]
    sentence: str
    matched: str

    def lines(self) -> list[str]:
        state = "kept" if self.kept else f"dropped: {self.why}"
        cues = f" [{'; '.join(self.cues)}]" if self.cues else ""
        return [
            f"  {self.key} = {self.value!r}  ({state}){cues}",
            f"      rule {self.frame!r} [{self.extractor}] matched {self.matched!r}",
            f"      in: {self.sentence}",
        ]


def _rule_extractors(host: PluginHost) -> list[RuleExtractor]:
    return [x for x in host.extractors.values() if isinstance(x, RuleExtractor)]


def _hit_lines(extractor: RuleExtractor, hits: Iterable[Hit]) -> list[HitLine]:
    out = []
    topic = extractor.ruleset.topic
    for hit in hits:
        subjects = hit.subjects or ("?",)
        for subject in subjects:
            out.append(
                HitLine(
                    extractor.name,
                    f"{topic}.{subject}.{hit.frame.attribute}",
                    hit.value,
                    hit.frame.name,
                    hit.dropped is None and not hit.frame.fill_only,
                    hit.dropped or ("fills another rule" if hit.frame.fill_only else ""),
                    hit.cues,
                    hit.sentence.text,
                    hit.matched,
                )
            )
    return out


def explain_article(host: PluginHost, article: Article) -> list[HitLine]:
    """Every hit of every rule-based extractor on ``article``."""
    out: list[HitLine] = []
    for extractor in _rule_extractors(host):
        out.extend(_hit_lines(extractor, extractor.explain(article)))
    return out


def _same_fact(line: HitLine, key: str) -> bool:
    topic, subject, attribute = key.split(".", 2)
    l_topic, l_subject, l_attribute = line.key.split(".", 2)
    return (l_topic, l_attribute) == (topic, attribute) and l_subject in (subject, "?")


def explain_case(host: PluginHost, case: CaseResult) -> list[str]:
    """Lines for each miss and extra of ``case``: what fired on that fact, or that nothing did."""
    if case.article is None or not (case.missed or case.extra):
        return []
    hits = explain_article(host, case.article)
    others = [x.name for x in host.extractors.values() if not isinstance(x, RuleExtractor)]
    out = [f"{case.name}:"]
    for kind, items in (("missed", case.missed), ("extra", case.extra)):
        for item in items:
            out.append(f" {kind} {item['key']} {item['change']} {item['new']!r}")
            if item.get("evidence") and kind == "missed":
                out.append(f"   expected from: {item['evidence']}")
            related = [h for h in hits if _same_fact(h, item["key"])]
            if not related:
                out.append(
                    "   no rule fired on this fact"
                    + (f" (not rule-based: {', '.join(others)})" if others else "")
                )
            for line in related:
                out.extend(line.lines())
    return out
