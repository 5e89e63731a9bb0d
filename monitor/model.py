"""The plain types that cross the plugin boundary.

These are dataclasses, never ORM objects: plugins see them, the store maps
them to and from its tables, and nothing here knows about a database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Alert",
    "Article",
    "Change",
    "ChangeKind",
    "Claim",
    "FactKind",
    "FactSpec",
    "ValueType",
    "fact_key",
]

FactKind = Literal["state", "event"]
ValueType = Literal["int", "str", "enum", "list", "object"]
ChangeKind = Literal["new", "changed", "event", "disputed"]


def fact_key(topic: str, subject: str, attribute: str) -> str:
    return f"{topic}.{subject}.{attribute}"


@dataclass(frozen=True, slots=True)
class Article:
    """One news item, normalised from a feed entry or a text file.

    ``text`` is plain text (no HTML). Extractors read ``title`` and ``text``;
    a claim's evidence must be a substring of one of them.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    feed: str | None = None
    outlet: str | None = None

    @property
    def content(self) -> str:
        """Title and text as one string, the way extractors usually read them."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact of a story's vocabulary: what a claim about it may say.

    ``subjects`` is None when any subject is allowed (countries, for
    instance); ``values`` lists an enum's values weakest to strongest when
    ``ordered`` is true.
    """

    topic: str
    attribute: str
    kind: FactKind
    type: ValueType
    label: str = ""
    values: tuple[str, ...] = ()
    ordered: bool = False
    nullable: bool = False
    subjects: tuple[str, ...] | None = None

    def check_value(self, value: Any) -> str | None:
        """Return why ``value`` does not fit this fact, or None when it does."""
        if value is None:
            return None if self.nullable else "value is null"
        if self.type == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
            return None if ok else f"expected an int, got {type(value).__name__}"
        if self.type == "str":
            return None if isinstance(value, str) and 0 < len(value) <= 200 else "expected a short string"
        if self.type == "enum":
            return None if value in self.values else f"{value!r} is not one of {', '.join(self.values)}"
        if self.type == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return "expected a list of strings"
            if self.values and any(v not in self.values for v in value):
                return f"list items must be among {', '.join(self.values)}"
            return None if value == sorted(set(value)) else "list must be sorted and without repeats"
        if self.type == "object":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                return "expected an object with string keys"
            for item in value.values():
                if isinstance(item, float) and not math.isfinite(item):
                    return "object holds a non-finite number"
                if not isinstance(item, str | int | float | bool | type(None)):
                    return "object values must be scalars"
            return None
        return f"unknown value type {self.type!r}"

    def direction(self, old: Any, new: Any) -> Literal["stronger", "weaker"] | None:
        """On an ordered enum, whether ``new`` is stronger or weaker than ``old``."""
        if not (self.ordered and old in self.values and new in self.values) or old == new:
            return None
        return "stronger" if self.values.index(new) > self.values.index(old) else "weaker"


@dataclass(frozen=True, slots=True)
class Claim:
    """What one article says about one fact key, with its evidence sentence."""

    topic: str
    subject: str
    attribute: str
    value: Any
    evidence: str
    confidence: float = 1.0
    extractor: str = ""
    article: str | None = None

    @property
    def key(self) -> str:
        return fact_key(self.topic, self.subject, self.attribute)


@dataclass(frozen=True, slots=True)
class Change:
    """A claim that moves what is known: a new key, a changed value or an event."""

    key: str
    change: ChangeKind
    new: Any
    old: Any = None
    baseline: Any = None
    evidence: str = ""
    extractor: str = ""
    confidence: float = 1.0
    direction: Literal["stronger", "weaker"] | None = None
    label: str = ""
    article: str | None = None
    id: int | None = None
    detected: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The documented one-line JSON form (see VOCABULARY.md)."""
        out: dict[str, Any] = {"key": self.key, "change": self.change}
        if self.change in ("changed", "disputed"):
            out["old"] = self.old
        out["new"] = self.new
        if self.change != "event":
            out["baseline"] = self.baseline
        if self.direction:
            out["direction"] = self.direction
        out["evidence"] = self.evidence
        out["extractor"] = self.extractor
        return out


@dataclass(frozen=True, slots=True)
class Alert:
    """One message for one channel: one or more changes and where they came from.

    ``id`` is stable across re-deliveries so receivers can de-duplicate.
    """

    id: str
    channel: str
    changes: Sequence[Change]
    articles: dict[str, Article] = field(default_factory=dict)
    outlets: dict[str, int] = field(default_factory=dict)
    attempt: int = 1
    test: bool = False
