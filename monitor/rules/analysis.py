"""Reading an article once: sentences, tokens, clauses, relative clauses, numbers, actors, speakers.

Every story's rules match against the same ``Analysis``. A sentence is turned
into a *token stream*: lower-case words joined by single spaces, where an
actor is one token ``=fr.n`` (a government named by its country, capital,
leader or institution) or ``=fr.a`` (an adjective: "French troops"), a number
is ``#26``, a range ``#5000~10000``, a year ``%2025``, a date ``%date``, and a
clause boundary ("but", "although", ";") is preceded by ``|``. A
non-restrictive relative clause (", which co-chair the coalition,") is taken
out of its sentence and read on its own, after its antecedent.

Positions are token indexes; every token keeps its character span in the
sentence, and the sentence is an exact substring of the article, so evidence
is always the sentence itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from monitor import text as T

from .lexicon import inflections, normalise, phrase_forms
from .tokens import (
    KIND_MARK,
    MARKED,
    PREPOSITIONS,
    WORD,
    Token,
    View,
    bounded,
    mark_boundaries,
    ranges,
    split_relatives,
    words,
)

__all__ = ["PREPOSITIONS", "ActorTable", "Analysis", "Analyzer", "Sentence", "Token", "View"]

_MONTHS = re.compile(
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s*$"
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of the title or the text, read."""

    text: str
    index: int
    part: str  # "title" or "text"
    paragraph: int
    tokens: tuple[Token, ...]
    views: tuple[View, ...]
    speakers: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()

    @property
    def main(self) -> View:
        return self.views[0]


@dataclass
class Analysis:
    """An article read once: its sentences in order and when it was published."""

    sentences: list[Sentence]
    published: datetime | None = None
    words: frozenset[str] = frozenset()
    cache: dict[object, object] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None


@dataclass(frozen=True)
class ActorTable:
    """Who a name stands for: aliases of governments by kind (name, adjective, capital, leader, institution).

    Matching is case-sensitive ("US" is a country, "us" is not) and the longest
    alias wins ("French President Emmanuel Macron" is one actor).
    """

    aliases: Mapping[str, tuple[str, str]]  # alias -> (code, kind)
    title_words: tuple[str, ...] = ()  # "foreign minister": inflected on first use
    roles: frozenset[tuple[str, ...]] = frozenset()
    group_words: tuple[str, ...] = ()  # "country", "ally": a subject that is not one government
    events: frozenset[str] = frozenset()  # "summit", "talks": after a capital, a place, not a government

    @cached_property
    def titles(self) -> frozenset[tuple[str, ...]]:
        return frozenset(seq for t in self.title_words for seq in phrase_forms(t, "noun"))

    @cached_property
    def groups(self) -> frozenset[str]:
        return frozenset(w for g in self.group_words for w in inflections(g, "noun"))

    def regex(self) -> re.Pattern[str] | None:
        if not self.aliases:
            return None
        return re.compile(r"(?<![\w\u2019'-])(?:" + T.trie_regex(self.aliases) + r")(?![\w-])")

    @classmethod
    def merge(cls, tables: Iterable[ActorTable]) -> ActorTable:
        aliases: dict[str, tuple[str, str]] = {}
        titles: dict[str, None] = {}
        roles: set[tuple[str, ...]] = set()
        groups: dict[str, None] = {}
        events: set[str] = set()
        for table in tables:
            aliases.update(table.aliases)
            titles.update(dict.fromkeys(table.title_words))
            roles |= table.roles
            groups.update(dict.fromkeys(table.group_words))
            events |= table.events
        return cls(aliases, tuple(titles), frozenset(roles), tuple(groups), frozenset(events))


class Analyzer:
    """Turns articles into ``Analysis`` objects with one actor table and one set of reporting verbs."""

    def __init__(
        self, actors: ActorTable, reporting: Iterable[str] = (), approximate: Iterable[tuple[str, ...]] = ()
    ) -> None:
        self.actors = actors
        self._approximate = frozenset(approximate)
        self._actor_re = actors.regex()
        self._reporting = frozenset(reporting)
        self._max_title = max((len(t) for t in actors.titles), default=0)
        self._max_role = max((len(t) for t in actors.roles), default=0)
        self._title_first = frozenset(t[0] for t in actors.titles)
        self._role_first = frozenset(t[0] for t in actors.roles)

    # -- the article --------------------------------------------------------------------------

    def analyse(
        self, title: str, text: str, published: datetime | None = None, limit: int = 200_000
    ) -> Analysis:
        sentences: list[Sentence] = []
        last_actor: list[str] = []
        words: set[str] = set()
        for part, source in (("title", title), ("text", text)):
            if not isinstance(source, str) or not source:
                continue
            source = source[:limit]
            paragraph = 0
            prev_end = 0
            for s, e in bounded(source, T.sentence_spans(source)):
                if "\n" in source[prev_end:s]:
                    paragraph += 1
                prev_end = e
                sentence = self._sentence(source[s:e], len(sentences), part, paragraph, last_actor)
                words |= sentence.words
                sentences.append(sentence)
        return Analysis(sentences, published, frozenset(words))

    # -- one sentence ---------------------------------------------------------------------------

    def _sentence(self, text: str, index: int, part: str, paragraph: int, last_actor: list[str]) -> Sentence:
        tokens = self._tokens(text)
        tokens = self._merge_actors(tokens)
        tokens = self._resolve_roles(tokens, last_actor)
        tokens = self._approximates(ranges(tokens))
        groups = self.actors.groups
        if not groups.isdisjoint(t.norm for t in tokens):
            tokens = [t._replace(kind="group") if t.norm in groups else t for t in tokens]
        for tok in tokens:
            if tok.kind == "actor" and tok.norm.endswith(".n"):
                last_actor[:] = [str(tok.value)]
        main, relatives = split_relatives(tokens)
        views = (View.of(mark_boundaries(main)), *(View.of(r, relative=True) for r in relatives))
        speakers = self._speakers(views[0].tokens)
        words = frozenset(t.norm for t in tokens) | {
            KIND_MARK[t.kind + t.norm[-2:] if t.kind == "actor" else t.kind]
            for t in tokens
            if t.kind in MARKED
        }
        return Sentence(text, index, part, paragraph, tuple(tokens), views, speakers, words)

    def _tokens(self, text: str) -> list[Token]:
        spans: list[tuple[int, int, Token]] = []
        if self._actor_re is not None:
            for m in self._actor_re.finditer(text):
                code, kind = self.actors.aliases[m.group(0)]
                suffix = "a" if kind == "adjective" else "n"
                if kind == "capital" and self._event_after(text, m.end()):
                    continue  # "the Paris summit", "Berlin talks": a place, not a government
                spans.append(
                    (
                        m.start(),
                        m.end(),
                        Token(f"={code.lower()}.{suffix}", m.start(), m.end(), "actor", code),
                    )
                )
        taken = [(s, e) for s, e, _ in spans]
        for n in T.find_numbers(text):
            if any(s < n.end and n.start < e for s, e in taken):
                continue
            if _MONTHS.search(text, max(0, n.start - 12), n.start) and n.value <= 31:
                tok = Token("%date", n.start, n.end, "date", n.value)
            elif 1900 <= n.value <= 2100 and n.text.isdigit() and len(n.text) == 4:
                tok = Token(f"%{n.value}", n.start, n.end, "year", n.value)
            else:
                tok = Token(f"#{n.value}", n.start, n.end, "number", n.value)
            spans.append((n.start, n.end, tok))
            taken.append((n.start, n.end))
        lowered = normalise(text)
        if len(lowered) != len(text):  # a character whose lower case is longer: keep offsets true
            lowered = "".join(normalise(ch)[:1] or ch for ch in text)
        if not spans:
            return words(text, lowered, 0, len(text))
        spans.sort(key=lambda x: x[0])
        out: list[Token] = []
        pos = 0
        ends: list[tuple[int, int, Token | None]] = [*spans, (len(text), len(text), None)]
        for s, e, found in ends:
            if s > pos:
                out.extend(words(text, lowered, pos, s))
            if found is not None:
                out.append(found)
            pos = max(pos, e)
        return out

    def _event_after(self, text: str, end: int) -> bool:
        nxt = WORD.match(text, end + 1) if text[end : end + 1] == " " else None
        return nxt is not None and normalise(nxt.group(0)) in self.actors.events

    def _merge_actors(self, tokens: list[Token]) -> list[Token]:
        """ "French President Emmanuel Macron" -> one ``=fr.n``; "the French president" -> ``=fr.n``."""
        if not any(t.kind == "actor" for t in tokens):
            return tokens
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "actor":
                j = i + 1
                title_end = self._title_at(tokens, j)
                while title_end:
                    j = title_end
                    title_end = self._title_at(tokens, j)
                nxt = tokens[j] if j < len(tokens) else None
                if nxt is not None and nxt.kind == "actor" and nxt.value == tok.value:
                    merged = Token(f"={str(tok.value).lower()}.n", tok.start, nxt.end, "actor", tok.value)
                    out.append(merged)
                    i = j + 1
                    continue
                if j > i + 1:  # an adjective or a name followed by a title: the office speaks
                    out.append(
                        Token(
                            f"={str(tok.value).lower()}.n", tok.start, tokens[j - 1].end, "actor", tok.value
                        )
                    )
                    i = j
                    continue
            out.append(tok)
            i += 1
        return out

    def _title_at(self, tokens: Sequence[Token], i: int) -> int:
        if i >= len(tokens) or tokens[i].norm not in self._title_first:
            return 0
        for n in range(min(self._max_title, len(tokens) - i), 0, -1):
            if tuple(t.norm for t in tokens[i : i + n]) in self.actors.titles:
                return i + n
        return 0

    def _resolve_roles(self, tokens: list[Token], last_actor: list[str]) -> list[Token]:
        """ "He", "the prime minister" before any actor of the sentence stand for the last government named."""
        if not last_actor or not self.actors.roles:
            return tokens
        for i, tok in enumerate(tokens):
            if tok.kind == "actor":
                return tokens
            if tok.norm not in self._role_first:
                continue
            for n in range(min(self._max_role, len(tokens) - i), 0, -1):
                if tuple(t.norm for t in tokens[i : i + n]) in self.actors.roles:
                    code = last_actor[0]
                    role = Token(f"={code.lower()}.n", tok.start, tokens[i + n - 1].end, "actor", code)
                    return [*tokens[:i], role, *tokens[i + n :]]
        return tokens

    def _approximates(self, tokens: list[Token]) -> list[Token]:
        """ "more than 650" is one token ``#~650``: no {number} slot takes it, {approx} does."""
        if not any(t.kind == "number" for t in tokens):
            return tokens
        out: list[Token] = []
        for tok in tokens:
            if tok.kind == "number":
                for n in (3, 2, 1):
                    if len(out) >= n and tuple(t.norm for t in out[-n:]) in self._approximate:
                        start = out[-n].start
                        del out[-n:]
                        tok = Token(f"#~{tok.value}", start, tok.end, "approximate", tok.value)
                        break
            out.append(tok)
        return out

    def _speakers(self, tokens: Sequence[Token]) -> tuple[str, ...]:
        """Governments a sentence is attributed to: "X said", "said X", "according to X"."""
        found: list[str] = []
        for i, tok in enumerate(tokens):
            if tok.norm not in self._reporting:
                continue
            before = [
                t
                for k, t in enumerate(tokens[max(0, i - 6) : i], max(0, i - 6))
                if t.kind == "actor"
                and t.norm.endswith(".n")
                and not (k and tokens[k - 1].norm in PREPOSITIONS)
            ]
            after = [t for t in tokens[i + 1 : i + 4] if t.kind == "actor" and t.norm.endswith(".n")]
            if tok.norm == "according":
                before = []
            pick = before[-1:] or after[:1]
            found.extend(str(t.value) for t in pick if str(t.value) not in found)
        return tuple(found)
