"""Extraction quality on labelled cases: precision, recall, F1 and false alerts.

A case is ``NN-slug.txt`` (an article file) with ``NN-slug.json`` (the
changes it must produce against the baseline alone). See the dev set's
README for the scoring rules this follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import MonitorError
from ..facts.analysis import extract_and_diff
from ..facts.baseline import extract_baseline, known_from_baseline
from ..ingest.articlefile import read_article_file
from ..model import Article
from ..plugins import PluginHost

__all__ = ["CaseResult", "EvalReport", "evaluate"]


@dataclass
class CaseResult:
    name: str
    expected: list[dict[str, Any]]
    predicted: list[dict[str, Any]]
    matched: int

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [e for e in self.expected if not any(_matches(p, e) for p in self.predicted)]

    @property
    def extra(self) -> list[dict[str, Any]]:
        return [p for p in self.predicted if not any(_matches(p, e) for e in self.expected)]


@dataclass
class EvalReport:
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return sum(c.matched for c in self.cases)

    @property
    def precision(self) -> float:
        predicted = sum(len(c.predicted) for c in self.cases)
        return self.matched / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        expected = sum(len(c.expected) for c in self.cases)
        return self.matched / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_alerts(self) -> int:
        return sum(len(c.predicted) for c in self.cases if not c.expected)

    def as_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "false_alerts": self.false_alerts,
            "cases": len(self.cases),
            "failures": [
                {"case": c.name, "missed": c.missed, "extra": c.extra}
                for c in self.cases
                if c.missed or c.extra
            ],
        }


def _matches(predicted: dict[str, Any], expected: dict[str, Any]) -> bool:
    if predicted["key"] != expected["key"] or predicted["change"] != expected["change"]:
        return False
    new, want = predicted["new"], expected["new"]
    if expected["change"] == "event" and isinstance(want, dict) and isinstance(new, dict):
        return all(new.get(k) == v for k, v in want.items())
    return bool(new == want)


def _published(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None


def evaluate(case_dir: Path, host: PluginHost, baseline: Article, *, timeout: float) -> EvalReport:
    """Each labelled case against the baseline alone; ``timeout`` is ``[service] plugin_timeout``."""
    if not case_dir.is_dir():
        raise MonitorError(f"{case_dir}: not a folder of evaluation cases")
    baseline_facts = extract_baseline(host, baseline, timeout=timeout)
    report = EvalReport()
    for text_path in sorted(case_dir.glob("*.txt")):
        label_path = text_path.with_suffix(".json")
        if not label_path.is_file():
            continue
        try:
            label = json.loads(label_path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise MonitorError(f"{label_path}: not valid JSON: {exc}") from None
        article = read_article_file(text_path, published=_published(label.get("published")))
        _, decisions = extract_and_diff(host, [article], known_from_baseline(baseline_facts), timeout=timeout)
        predicted = [d.change.as_json() for d in decisions]
        expected = list(label.get("changes", []))
        used: set[int] = set()
        matched = 0
        for e in expected:
            for i, p in enumerate(predicted):
                if i not in used and _matches(p, e):
                    used.add(i)
                    matched += 1
                    break
        report.cases.append(CaseResult(text_path.stem, expected, predicted, matched))
    return report
