"""Context rules in the manner of medspaCy's ConText: a cue, a category, a direction and a scope.

A cue ("not", "could", "only if", "analysts said") marks every target in its
scope with its category (``negated``, ``conditional``, ``hedged``...). The
scope runs ``forward`` (the words after the cue), ``backward`` (the words
before it), ``both``, or covers the whole ``sentence``; it ends at a clause
boundary, at a terminator of the rule, or after ``scope`` tokens. ``pseudo``
patterns hold a cue's words without meaning it ("not only", "no doubt") and
mask it. A cue inside a pattern's ``...`` gap counts as before the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import View
from .pattern import Pattern

__all__ = ["ContextRule", "Cue", "cues_in"]

DIRECTIONS = ("forward", "backward", "both", "sentence")


@dataclass(frozen=True)
class ContextRule:
    name: str
    category: str
    patterns: tuple[Pattern, ...]
    direction: str = "forward"
    scope: int = 8
    pseudo: tuple[Pattern, ...] = ()
    terminators: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Cue:
    """One cue found in a view: token span ``[start, end)``, its rule and its words."""

    rule: ContextRule
    start: int
    end: int
    text: str

    def applies(self, view: View, start: int, end: int, gaps: Sequence[tuple[int, int]] = ()) -> bool:
        """Whether this cue modifies the target at tokens ``[start, end)`` of ``view``."""
        rule = self.rule
        if rule.direction == "sentence":
            return True
        if any(gs <= self.start and self.end <= ge for gs, ge in gaps):
            return rule.direction in ("forward", "both")
        if self.start < start < self.end:  # "not rule out" over the start of "rule out sending troops"
            return rule.direction in ("forward", "both")
        forward = rule.direction in ("forward", "both") and self.end <= start
        if forward and start - self.end <= rule.scope and not _blocked(view, self.end, start, rule):
            return True
        backward = rule.direction in ("backward", "both") and self.start >= end
        return backward and self.start - end <= rule.scope and not _blocked(view, end, self.start, rule)


def _blocked(view: View, start: int, end: int, rule: ContextRule) -> bool:
    return any(tok.kind == "boundary" or tok.norm in rule.terminators for tok in view.tokens[start:end])


def cues_in(view: View, words: frozenset[str], rules: Sequence[ContextRule]) -> list[Cue]:
    """Every cue of ``rules`` in ``view``, less those a pseudo pattern masks."""
    out: list[Cue] = []
    for rule in rules:
        masked: list[tuple[int, int]] = []
        for pattern in rule.pseudo:
            if pattern.possible(words):
                masked.extend(view.span(*m.span()) for m in pattern.regex.finditer(view.stream))
        for pattern in rule.patterns:
            if not pattern.possible(words):
                continue
            for m in pattern.regex.finditer(view.stream):
                s, e = view.span(*m.span())
                if any(ms <= s and e <= me for ms, me in masked):
                    continue
                out.append(Cue(rule, s, e, m.group(0).strip()))
    return out
