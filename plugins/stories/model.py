"""A story once loaded: its name, its topic and the rule engine's rules that read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor import FactSpec
from monitor.rules import RuleSet

from .translate import Aliases

__all__ = ["Problem", "Story", "Where"]


@dataclass(frozen=True)
class Story:
    name: str
    topic: str
    source: str
    rules: RuleSet
    description: str = ""
    aliases: Aliases | None = None  # how the story's patterns name governments (the story format only)
    title: str = ""
    baseline: tuple[Path, ...] = ()  # its baseline article(s), relative to the story file

    @property
    def facts(self) -> tuple[FactSpec, ...]:
        return self.rules.facts


Where = tuple[str | int, ...]


class Problem(Exception):
    """A problem in a story file at a key path, e.g. ``("facts", 2, "type")``."""

    def __init__(self, where: Where, message: str):
        super().__init__(message)
        self.where, self.message = where, message

    @property
    def key(self) -> str:
        """The key path as messages write it: ``facts[2].type``."""
        out = ""
        for part in self.where:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out
