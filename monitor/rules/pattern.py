"""The pattern language of rule files, compiled to regular expressions over token streams.

A pattern is a sequence of elements separated by spaces:

- ``word`` any form of a word (any case: "sign" matches "signed", "signing");
  ``=word`` that form only; ``word*`` any word starting so; ``=fr.n`` the
  government of France named, ``=fr.a`` its adjective ("French");
- ``@concept`` any form of any entry of a lexicon concept ("@deploy" matches "sent", "deploying");
- ``(a|b c)`` one of several sequences; any element followed by ``?`` is optional;
- ``...`` up to 5 tokens in between, ``...9`` up to 9; a gap never crosses a clause boundary;
- slots: ``{actor}`` a government, or several joined by "and" ("Britain and France");
  ``{adj}`` the same as adjectives ("British and French"); ``{number}`` a number
  (``{number:launched}`` names it); ``{approx}`` a number, approximate or not ("about 10,000"); ``{range}``; ``{year}``; ``{name}`` up to
  three capitalised words (a city); ``{subject}`` one government or several joined by "and" or
  commas, each perhaps after "the" ("the EU and the US"), where a ``...`` right after it never
  passes another government (the nearer one is the subject); ``{value}`` up to six words up to
  the next punctuation (the value is their text); ``{items}`` a stretch of the sentence up to its
  next ``.``, ``;`` or ``:`` (the value is the sorted ids of the frame's ``items`` found in it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

from monitor import text as T

from .lexicon import Concept, inflections, normalise

__all__ = ["Pattern", "PatternError", "compile_pattern"]

_SLOTS = {
    "actor": r"=[a-z]{2}\.n(?: (?:,|and|&|as well as|, and)+ =[a-z]{2}\.n)*",
    "adj": r"=[a-z]{2}\.[an](?: (?:,|and|&|, and)+ =[a-z]{2}\.[an])*",
    "number": r"#\d+",
    "approx": r"#~?\d+",
    "range": r"#\d+~\d+",
    "year": r"%\d{4}",
    "name": r"(?:=[a-z]{2}\.n|[^ |#%=.,;:\"()]+(?: [^ |#%=.,;:\"()]+){0,2})",
    "subject": r"=[a-z0-9][a-z0-9_-]*\.[na](?: (?:,|and|&|as well as|, and)+(?: the)? =[a-z0-9][a-z0-9_-]*\.[na])*",
    "value": r"(?![.,;:!?\"()|-] )[^ ]+(?: (?![.,;:!?\"()|-] )[^ ]+){0,5}",
    "items": r"(?![.;:!?|] )[^ ]+(?: (?![.;:!?|] )[^ ]+){0,59}",
}
# The marks (analysis.KIND_MARK) a sentence holds when it has a token a slot could take.
_SLOT_NEEDS = {
    "actor": frozenset({"<actor>"}),
    "adj": frozenset({"<actor>", "<adj>"}),
    "number": frozenset({"<number>"}),
    "approx": frozenset({"<number>", "<approx>"}),
    "range": frozenset({"<range>"}),
    "year": frozenset({"<year>"}),
    "subject": frozenset({"<actor>", "<adj>"}),
}
_ACTOR_TOKEN = re.compile(r"=[a-z0-9][a-z0-9_-]*\.[na]")
# A gap right after {subject}: never past another government, so the nearer one is the subject.
_NO_ACTOR_GAP = r"(?P<gap{n}>(?: (?!\||=[a-z0-9_-]+\.[na] )[^ ]+){{0,{most}}}?)"
_LEX = re.compile(r"\s*(\.\.\.\d*|\(|\)|\||\?|\{[a-z]+(?::[a-z_]+)?\}|@[a-z_]+|[^\s()|?{}]+)")


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says what is wrong."""


@dataclass(frozen=True, eq=False)
class Pattern:
    """One pattern: its source, its regex and the words one of which a sentence must hold.

    The regex is compiled the first time a sentence could match it: most
    commands and most articles never need most patterns, and compiling all of
    them costs more than a second at start. The syntax is checked when the
    pattern is read.
    """

    source: str
    tokens: tuple[str, ...]
    concepts: Mapping[str, Concept]
    slots: tuple[str, ...]

    @cached_property
    def _built(self) -> tuple[str, frozenset[str] | None]:
        parser = _Parser(self.source, list(self.tokens), self.concepts, build=True)
        body, needs = parser.sequence()
        return body + "(?= )", needs

    @property
    def expression(self) -> str:
        return self._built[0]

    @property
    def needs(self) -> frozenset[str] | None:
        """Words one of which a sentence must hold to match; None: no cheap test (only slots or prefixes)."""
        return self._built[1]

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.expression)

    def possible(self, words: frozenset[str]) -> bool:
        return self.needs is None or not self.needs.isdisjoint(words)


def compile_pattern(source: str, concepts: Mapping[str, Concept]) -> Pattern:
    """Compile ``source``; ``PatternError`` says what is wrong and where."""
    if not isinstance(source, str) or not source.strip():
        raise PatternError("a pattern must be a non-empty string")
    tokens = [m.group(1) for m in _LEX.finditer(source)]
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", source):
        raise PatternError(f"{source!r}: cannot read it (stray characters)")
    parser = _Parser(source, tokens, concepts, build=False)
    parser.sequence()
    if parser.pos != len(tokens):
        raise PatternError(f"{source!r}: unbalanced ')' or '|'")
    if tokens[0].startswith("...") or tokens[-1].startswith("..."):
        raise PatternError(f"{source!r}: '...' stands between two elements")
    return Pattern(source, tuple(tokens), concepts, tuple(parser.slots))


@cache
def _word_regex(word: str) -> tuple[str, frozenset[str]]:
    """A bare word: any of its forms ("sign" matches "signed")."""
    forms = inflections(word) if word.isalpha() else frozenset({word})
    return " (?:" + T.trie_regex(forms) + ")(?![^ ])", frozenset(forms)


def _selectivity(needs: frozenset[str]) -> tuple[bool, int]:
    """Words before slot marks ("<actor>" is in most sentences), then the fewest."""
    return any(w.startswith("<") for w in needs), len(needs)


class _Parser:
    """Reads a pattern; with ``build`` false it only checks it (no inflection, no regex: cheap at start)."""

    def __init__(
        self, source: str, tokens: list[str], concepts: Mapping[str, Concept], *, build: bool
    ) -> None:
        self.source, self.tokens, self.concepts, self.build = source, tokens, concepts, build
        self.pos = 0
        self.slots: list[str] = []
        self.gaps = 0

    def error(self, why: str) -> PatternError:
        return PatternError(f"{self.source!r}: {why}")

    def sequence(self) -> tuple[str, frozenset[str] | None]:
        parts: list[str] = []
        needs: frozenset[str] | None = None
        while self.pos < len(self.tokens) and self.tokens[self.pos] not in (")", "|"):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.startswith("..."):
                n = int(tok[3:] or 5)
                if self.pos >= 2 and self.tokens[self.pos - 2].startswith("{subject"):
                    parts.append(_NO_ACTOR_GAP.format(n=self.gaps, most=n))  # the nearer government
                else:
                    parts.append(rf"(?P<gap{self.gaps}>(?: (?!\|)[^ ]+){{0,{n}}}?)")
                self.gaps += 1
                continue
            if tok == "?":
                raise self.error("'?' must follow an element")
            element, element_needs = self.element(tok)
            if self.pos < len(self.tokens) and self.tokens[self.pos] == "?":
                self.pos += 1
                parts.append(f"(?:{element})?")
                continue
            parts.append(element)
            if element_needs is not None and (
                needs is None or _selectivity(element_needs) < _selectivity(needs)
            ):
                needs = element_needs
        if not parts:
            raise self.error("empty sequence")
        return "".join(parts), needs

    def element(self, tok: str) -> tuple[str, frozenset[str] | None]:
        if tok == "(":
            alts: list[str] = []
            alt_needs: set[str] = set()
            cheap = True
            while True:
                body, needs = self.sequence()
                alts.append(body)
                if needs is None:
                    cheap = False
                else:
                    alt_needs |= needs
                if self.pos >= len(self.tokens):
                    raise self.error("missing ')'")
                sep = self.tokens[self.pos]
                self.pos += 1
                if sep == ")":
                    break
            return "(?:" + "|".join(alts) + ")", frozenset(alt_needs) if cheap else None
        if tok.startswith("@"):
            concept = self.concepts.get(tok[1:])
            if concept is None:
                raise self.error(
                    f"unknown concept {tok} (known: {', '.join(sorted(self.concepts)) or 'none'})"
                )
            if not self.build:
                return "", None
            prefixes = any(t.endswith("*") for t in concept.first_tokens())
            return " " + concept.regex(), None if prefixes else frozenset(concept.first_tokens())
        if tok.startswith("{"):
            kind, _, name = tok[1:-1].partition(":")
            if kind not in _SLOTS:
                raise self.error(f"unknown slot {tok} (slots: {', '.join('{' + s + '}' for s in _SLOTS)})")
            group = f"{kind}_{name}" if name else kind
            if group in self.slots:
                raise self.error(f"{tok} appears twice; name the second one, as in {{{kind}:other}}")
            self.slots.append(group)
            return f" (?P<{group}>{_SLOTS[kind]})", _SLOT_NEEDS.get(kind)
        word = normalise(tok)
        if word.endswith("*") and len(word) > 1:
            return " " + re.escape(word[:-1]) + r"[^ ]*", None
        if _ACTOR_TOKEN.fullmatch(word):
            return " " + re.escape(word), frozenset({word})
        if word.startswith("=") and len(word) > 1:
            return " " + re.escape(word[1:]), frozenset({word[1:]})
        if not self.build:
            return "", None
        return _word_regex(word)
