"""Tokens and views: how a sentence becomes a stream the patterns read (see ``analysis``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "KIND_MARK",
    "MARKED",
    "MAX_SENTENCE",
    "PREPOSITIONS",
    "WORD",
    "Token",
    "View",
    "bounded",
    "mark_boundaries",
    "ranges",
    "split_relatives",
    "words",
]

WORD = re.compile(
    r"(?:[A-Za-z\u00C0-\u024F0-9]+(?:['\u2019.\-\u2011][A-Za-z\u00C0-\u024F0-9]+)*|['\u2019]s\b)"
    r"|[\"\u201c\u201d\u00ab\u00bb]|[,;:()%$\u00a3\u20ac]|[-\u2011\u2013\u2014]+|[.!?\u2026]+"
)
_CONTRACTION = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
_CLAUSE_WORDS = frozenset({"but", "although", "though", "whereas", "however"})
#: Marks added to a sentence's words for the kinds of token it holds, so that a pattern
#: starting with a slot ("{actor} pledged ...") is tried only where such a token is.
KIND_MARK = {
    "actor.n": "<actor>",
    "actor.a": "<adj>",
    "number": "<number>",
    "approximate": "<approx>",
    "range": "<range>",
    "year": "<year>",
    "date": "<date>",
}
MARKED = frozenset({"actor", "number", "approximate", "range", "year", "date"})

#: Words after which a government is a place, not a speaker or an agent ("troops to Ukraine").
PREPOSITIONS = frozenset(
    [
        "to",
        "in",
        "into",
        "from",
        "for",
        "with",
        "against",
        "on",
        "at",
        "by",
        "of",
        "toward",
        "towards",
        "across",
        "inside",
        "near",
        "than",
        "like",
        "including",
        "between",
        "over",
        "under",
        "within",
        "without",
        "about",
        "via",
        "beyond",
    ]
)


class Token(NamedTuple):
    """One token of a sentence: its stream form and where it stands in the sentence."""

    norm: str
    start: int
    end: int
    kind: str = "word"  # word, punct, actor, number, approximate, range, year, date, group, boundary
    value: object = None


@dataclass(frozen=True)
class View:
    """A token stream read on its own: a sentence's main clauses, or one relative clause."""

    tokens: tuple[Token, ...]
    stream: str
    starts: tuple[int, ...]
    relative: bool = False

    @classmethod
    def of(cls, tokens: Sequence[Token], relative: bool = False) -> View:
        starts, pos = [], 1
        for tok in tokens:
            starts.append(pos)
            pos += len(tok.norm) + 1
        stream = " " + " ".join(t.norm for t in tokens) + " "
        return cls(tuple(tokens), stream, tuple(starts), relative)

    def token_at(self, offset: int) -> int:
        """The index of the token that starts at or before stream ``offset``."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Stream offsets of a regex match as token indexes ``[first, last + 1)``."""
        first = self.token_at(start + (1 if self.stream[start : start + 1] == " " else 0))
        last = self.token_at(max(start, end - 1))
        return first, last + 1


_PUNCT = {'"': '"', "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'}


#: No sentence of news is longer; longer runs (lists, garbage) are read in pieces of this size.
MAX_SENTENCE = 1500


def bounded(text: str, spans: Iterable[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    for s, e in spans:
        while e - s > MAX_SENTENCE:
            cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
            cut = cut if cut > s else s + MAX_SENTENCE
            yield s, cut
            s = cut
            while s < e and text[s].isspace():
                s += 1
        if e > s:
            yield s, e


def words(text: str, lowered: str, start: int, end: int) -> list[Token]:
    """Words and punctuation of ``text[start:end]``; ``lowered`` is ``text`` normalised, of the same length."""
    out: list[Token] = []
    append = out.append
    for m in WORD.finditer(lowered, start, end):
        s, e = m.span()
        word = lowered[s:e]
        first = word[0]
        if first in _PUNCT:
            append(Token('"', s, e, "punct"))
        elif first in "-\u2011\u2013\u2014":
            append(Token("-", s, e, "punct"))
        elif first in ",;:()%$\u00a3\u20ac":
            append(Token(word, s, e, "punct"))
        elif first in ".!?\u2026":
            append(Token(".", s, e, "punct"))
        elif word.endswith("'s") and len(word) > 2:
            append(Token(word[:-2], s, e - 2, "word", text[s : e - 2]))
            append(Token("'s", e - 2, e, "word", text[e - 2 : e]))
        elif word.endswith("n't") and len(word) > 3:
            stem = word[:-3]
            append(Token(_CONTRACTION.get(stem, stem), s, e - 3, "word", text[s : e - 3]))
            append(Token("not", e - 3, e, "word", text[e - 3 : e]))
        else:
            append(Token(word, s, e, "word", text[s:e]))
    return out


def ranges(tokens: list[Token]) -> list[Token]:
    """ "5,000 to 10,000", "5,000-10,000", "between 5,000 and 10,000" -> one range token."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "number" and i + 2 < len(tokens) and tokens[i + 2].kind == "number":
            link = tokens[i + 1].norm
            between = bool(out) and out[-1].norm == "between"
            if link in ("to", "-", "or") or (link == "and" and between):
                lo, hi = tok.value, tokens[i + 2].value
                out.append(Token(f"#{lo}~{hi}", tok.start, tokens[i + 2].end, "range", (lo, hi)))
                i += 3
                continue
        out.append(tok)
        i += 1
    return out


def mark_boundaries(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        after_not = i > 0 and tokens[i - 1].norm in ("not", "and", "as")  # "not yet decided", "and yet"
        if (
            tok.norm == ";"
            or (tok.norm in _CLAUSE_WORDS and i > 0 and not after_not)
            or (tok.norm == "while" and i and tokens[i - 1].norm == ",")
        ):
            out.append(Token("|", tok.start, tok.start, "boundary"))
        out.append(tok)
    return out


def split_relatives(tokens: list[Token]) -> tuple[list[Token], list[list[Token]]]:
    """Take ", which ... ," and ", who ... ," out of the sentence; read each after its antecedent."""
    main: list[Token] = []
    relatives: list[list[Token]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.norm == "," and nxt is not None and nxt.norm in ("which", "who"):
            j = i + 2
            while j < len(tokens) and tokens[j].norm not in (",", ";", ".", "-", '"', "("):
                j += 1
            antecedent = _antecedent(main) or _noun_before(main)
            relatives.append([*antecedent, *tokens[i + 2 : j]])
            i = j + 1 if j < len(tokens) and tokens[j].norm == "," else j
            continue
        main.append(tok)
        i += 1
    return main, relatives


def _noun_before(tokens: Sequence[Token], most: int = 6) -> list[Token]:
    """The words before a relative clause back to the last punctuation ("the Coalition of the Willing")."""
    out: list[Token] = []
    for tok in reversed(tokens[-most:]):
        if tok.kind in ("punct", "boundary"):
            break
        out.insert(0, tok)
    return out


def _antecedent(tokens: Sequence[Token]) -> list[Token]:
    """The actor group just before a relative clause ("France and Britain"), or nothing."""
    group: list[Token] = []
    i = len(tokens) - 1
    while i >= 0:
        tok = tokens[i]
        if tok.kind == "actor" or (tok.norm in ("and", ",", "'s") and group):
            group.insert(0, tok)
        else:
            break
        i -= 1
    while group and group[0].kind != "actor":
        group.pop(0)
    return group
