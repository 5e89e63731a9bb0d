"""A story once loaded: its name, its topic and the rule engine's rules that read it."""

from __future__ import annotations

from dataclasses import dataclass

from monitor import FactSpec
from monitor.rules import RuleSet

from .translate import Aliases

__all__ = ["Story"]


@dataclass(frozen=True)
class Story:
    name: str
    topic: str
    source: str
    rules: RuleSet
    description: str = ""
    aliases: Aliases | None = None  # how the story's patterns name governments (the story format only)

    @property
    def facts(self) -> tuple[FactSpec, ...]:
        return self.rules.facts
