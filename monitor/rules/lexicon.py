"""Lexicons: concepts written as lemmas, expanded to every surface form once.

A rule author writes ``send`` and the engine matches "send", "sends", "sent"
and "sending"; ``rule out`` matches "ruled out" and "ruling out"; ``ukrain*``
matches any word that starts so; ``=US`` is taken literally, never inflected.
Inflections come from lemminflect, English morphology kept as data by its
authors, not from alternations typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

import lemminflect

from monitor import text as T

__all__ = ["Concept", "inflections", "normalise", "phrase_forms"]

_POS = {"verb": "VERB", "noun": "NOUN", "adj": "ADJ", "any": None}


def normalise(word: str) -> str:
    """How a word is compared: lower case, straight apostrophes, no soft hyphens."""
    return word.replace("\u2019", "'").replace("\u2018", "'").replace("\u00ad", "").lower()


@cache
def inflections(lemma: str, pos: str = "any") -> frozenset[str]:
    """Every surface form of ``lemma`` for the part of speech ``pos`` (verb, noun, adj or any)."""
    lemma = normalise(lemma)
    forms = {lemma}
    wanted = [_POS[pos]] if _POS.get(pos) else ["VERB", "NOUN", "ADJ"]
    for upos in wanted:
        found = lemminflect.getAllInflections(lemma, upos=upos)
        if not found and upos in ("VERB", "NOUN"):
            found = lemminflect.getAllInflectionsOOV(lemma, upos=upos)
        for values in found.values():
            forms.update(normalise(v) for v in values)
    return frozenset(forms)


def phrase_forms(entry: str, pos: str) -> set[tuple[str, ...]]:
    """Token sequences an entry stands for; in a phrase the first word is inflected.

    ``"rule out"`` (verb) gives ``("ruled", "out")``, ``("rules", "out")``...;
    a noun phrase inflects its last word ("boots on the ground" stays as it is
    when its last word has no other form worth having).
    """
    words = [w for w in re.split(r"\s+", entry.strip()) if w]
    if not words:
        return set()
    if any(w.startswith("=") for w in words) or (len(words) == 1 and words[0].endswith("*")):
        return {tuple(normalise(w.lstrip("=")) for w in words)}
    head = 0 if pos in ("verb", "any", "adj") else len(words) - 1
    out = set()
    for form in inflections(words[head], pos) if not words[head].endswith("*") else {normalise(words[head])}:
        seq = [normalise(w) for w in words]
        seq[head] = form
        out.add(tuple(seq))
    return out


@dataclass(frozen=True)
class Concept:
    """One lexicon entry list: a name and every token sequence it matches."""

    name: str
    pos: str
    entries: tuple[str, ...]

    @classmethod
    def build(cls, name: str, entries: Iterable[str], pos: str = "any") -> Concept:
        return cls(name, pos, tuple(entries))

    @cached_property
    def forms(self) -> frozenset[tuple[str, ...]]:
        """Every token sequence of every entry, inflected (on first use: inflection is costly at start)."""
        forms: set[tuple[str, ...]] = set()
        for entry in self.entries:
            forms |= phrase_forms(entry, self.pos)
        return frozenset(forms)

    def regex(self) -> str:
        """The concept as a regex over the token stream (tokens joined by single spaces)."""
        return self._regex

    @cached_property
    def _regex(self) -> str:
        """The concept's regex, built once (every pattern naming the concept embeds it).

        Literal forms make one trie (fast to compile and to match, longest first);
        forms with a ``word*`` prefix are added as alternatives.
        """
        literal = [
            " ".join(seq) for seq in self.forms if not any(t.endswith("*") and len(t) > 1 for t in seq)
        ]
        prefixed = []
        for seq in sorted(self.forms):
            if any(t.endswith("*") and len(t) > 1 for t in seq):
                prefixed.append(
                    " ".join(
                        re.escape(t[:-1]) + r"[^ ]*" if t.endswith("*") and len(t) > 1 else re.escape(t)
                        for t in seq
                    )
                )
        alts = ([T.trie_regex(literal) + "(?![^ ])"] if literal else []) + prefixed
        return "(?:" + "|".join(alts) + ")" if alts else "(?!)"

    def first_tokens(self) -> set[str]:
        """The first token of every form (for the cheap presence index); ``*`` forms give their prefix."""
        return {seq[0] for seq in self.forms}
