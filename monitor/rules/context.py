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

__all__ = ["ContextIndex", "ContextRule", "Cue", "cues_in"]

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


class ContextIndex:
    """The context rules' patterns by the words they need, so a view tries only those it could hold."""

    def __init__(self, rules: Sequence[ContextRule]) -> None:
        self.rules = tuple(rules)
        self._entries: list[tuple[ContextRule, Pattern, bool]] = []  # (rule, pattern, is pseudo)
        self._by_word: dict[str, set[int]] = {}
        self._always: set[int] = set()
        for rule in self.rules:
            for pattern, pseudo in [*((p, True) for p in rule.pseudo), *((p, False) for p in rule.patterns)]:
                i = len(self._entries)
                self._entries.append((rule, pattern, pseudo))
                if pattern.needs is None:
                    self._always.add(i)
                else:
                    for word in pattern.needs:
                        self._by_word.setdefault(word, set()).add(i)

    def cues(self, view: View, words: frozenset[str]) -> list[Cue]:
        """Every cue in ``view``, less those a pseudo pattern of the same rule masks."""
        found = set(self._always)
        for word in words:
            hit = self._by_word.get(word)
            if hit:
                found |= hit
        masked: dict[int, list[tuple[int, int]]] = {}
        cues: list[Cue] = []
        for i in sorted(found):
            rule, pattern, pseudo = self._entries[i]
            for m in pattern.regex.finditer(view.stream):
                s, e = view.span(*m.span())
                if pseudo:
                    masked.setdefault(id(rule), []).append((s, e))
                else:
                    cues.append(Cue(rule, s, e, m.group(0).strip()))
        return [
            c for c in cues if not any(ms <= c.start and c.end <= me for ms, me in masked.get(id(c.rule), ()))
        ]


def cues_in(view: View, words: frozenset[str], rules: Sequence[ContextRule]) -> list[Cue]:
    """Every cue of ``rules`` in ``view`` (see ``ContextIndex`` for the indexed form)."""
    return ContextIndex(rules).cues(view, words)
