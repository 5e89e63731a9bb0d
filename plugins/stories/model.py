"""A story once validated: its facts and the compiled rules that read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor import FactSpec

from .entities import Entities

__all__ = ["Fact", "Rule", "Story"]


@dataclass(frozen=True)
class Rule:
    """One compiled pattern: what it gives (an enum value or a fixed string) and how surely."""

    regex: re.Pattern[str]
    confidence: float
    value: str | None = None
    rank: int = 0


@dataclass(frozen=True)
class Fact:
    spec: FactSpec
    subject: str | Entities
    rules: tuple[Rule, ...]
    items: Entities | tuple[tuple[str, re.Pattern[str]], ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Story:
    name: str
    topic: str
    source: str
    facts: tuple[Fact, ...]
    requires: tuple[re.Pattern[str], ...] = ()
    excludes: tuple[re.Pattern[str], ...] = ()
    description: str = ""

    def about(self, content: str) -> bool:
        return not self.requires or any(p.search(content) for p in self.requires)

    def excluded(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.excludes)
