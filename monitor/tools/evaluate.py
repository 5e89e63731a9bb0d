"""Extraction quality on labelled cases: precision, recall, F1 and false alerts, per folder and per key.

A case is ``NN-slug.txt`` (an article file) with ``NN-slug.json`` (the
changes it must produce against the baseline alone). See the dev set's
README for the scoring rules this follows. A case's ``ignore`` list names
keys the annotators could not agree on: a prediction on them counts
neither way, and so does an expected change.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
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

__all__ = ["CaseResult", "EvalReport", "KeyScore", "evaluate"]


@dataclass
class CaseResult:
    name: str
    expected: list[dict[str, Any]]
    predicted: list[dict[str, Any]]
    matched: int
    article: Article | None = None
    ignored: frozenset[str] = frozenset()

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [e for e in self.expected if not any(_matches(p, e) for p in self.predicted)]

    @property
    def extra(self) -> list[dict[str, Any]]:
        return [p for p in self.predicted if not any(_matches(p, e) for e in self.expected)]


@dataclass(frozen=True)
class KeyScore:
    """One key's counts over the cases of a report."""

    key: str
    expected: int
    predicted: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    cases: list[CaseResult] = field(default_factory=list)
    folder: str = ""

    def by_key(self) -> list[KeyScore]:
        """Each key's expected, predicted and matched counts, by key."""
        expected: Counter[str] = Counter()
        predicted: Counter[str] = Counter()
        matched: Counter[str] = Counter()
        for case in self.cases:
            expected.update(e["key"] for e in case.expected)
            predicted.update(p["key"] for p in case.predicted)
            missed = Counter(m["key"] for m in case.missed)
            for key, count in Counter(e["key"] for e in case.expected).items():
                matched[key] += count - missed[key]
        keys = sorted(set(expected) | set(predicted))
        return [KeyScore(k, expected[k], predicted[k], matched[k]) for k in keys]

    @classmethod
    def combined(cls, reports: Sequence[EvalReport]) -> EvalReport:
        return cls([c for r in reports for c in r.cases], folder="all")

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
            "folder": self.folder,
            "keys": {
                k.key: {"expected": k.expected, "predicted": k.predicted, "matched": k.matched}
                for k in self.by_key()
            },
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
    report = EvalReport(folder=str(case_dir))
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
        ignored = frozenset(str(k) for k in label.get("ignore", []))
        predicted = [d.change.as_json() for d in decisions if d.change.key not in ignored]
        expected = [e for e in label.get("changes", []) if e.get("key") not in ignored]
        used: set[int] = set()
        matched = 0
        for e in expected:
            for i, p in enumerate(predicted):
                if i not in used and _matches(p, e):
                    used.add(i)
                    matched += 1
                    break
        report.cases.append(CaseResult(text_path.stem, expected, predicted, matched, article, ignored))
    return report
