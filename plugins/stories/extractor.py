"""Reading articles with a story: sentences, negation and hedging, subjects, values, claims."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from monitor import Article, Claim, Extractor
from monitor import text as T

from .entities import Entities, with_coordinated
from .model import Fact, Rule, Story
from .patterns import gap_spans

__all__ = ["StoryExtractor"]

MAX_CHARS = 200_000
_TAIL_HEDGE = re.compile(
    r"^\s*(?:[\w'\u2019-]+\s+){0,3}(?:expect|predict|speculat|believe|think|suggest|say|said|reckon|note|argue)\w*\W*$",
    re.I,
)
_RANGE_BEFORE = re.compile(
    rf"(?:{T.NUMBER})\s*(?:%|per\s?cent|percent)?\s*(?:-|\u2013|\u2014|to|or|and)\s*$|\bbetween\s+$", re.I
)
_RANGE_AFTER = re.compile(rf"\s*(?:%|per\s?cent|percent)?\s*(?:-|\u2013|\u2014|to|or)\s*(?:{T.NUMBER})", re.I)
# A phrase in a condition's clause is a hypothesis, not a statement: "... if Brussels did not agree".
_IF = re.compile(r"\b(?:if|unless|whether|in case)\b", re.I)
_LAST_WORDS = re.compile(r"(?:\S+\s+){0,6}\S*$")


@dataclass(frozen=True)
class _Hit:
    subject: str
    value: Any
    confidence: float
    rank: int
    order: int

    @property
    def strength(self) -> tuple[float, int, int]:
        """Most confident first, then the strongest enum value, then the earliest rule."""
        return self.confidence, self.rank, self.order


def _sentences(article: Article) -> Iterator[str]:
    for source in (article.title, article.text):
        if isinstance(source, str) and source:
            source = source[:MAX_CHARS]
            for start, end in T.sentence_spans(source):
                yield source[start:end]


def _negated(sentence: str, m: re.Match[str], clause_start: int) -> bool:
    """Negation around the phrase, not in its own words: the few words before it
    (after the last comma of the clause) and what its ``...`` gaps matched."""
    before_start = max(clause_start, sentence.rfind(",", clause_start, m.start()) + 1)
    before = _LAST_WORDS.search(sentence[before_start : m.start()])
    context = (before.group(0) if before else "") + " " + " ".join(sentence[s:e] for s, e in gap_spans(m))
    return T.is_negated(context)


def _hedged(sentence: str, m: re.Match[str], clause: tuple[int, int]) -> bool:
    """Speculation, commentary or a condition in the clause before the phrase or in its gaps,
    or speculation as a short tail ("..., analysts expect")."""
    context = sentence[clause[0] : m.start()] + " " + " ".join(sentence[s:e] for s, e in gap_spans(m))
    if T.is_hedged(context) or T.is_commentary(context) or _IF.search(context):
        return True
    tail = sentence[m.end() : clause[1]].rsplit(",", 1)
    return (
        len(tail) == 2
        and bool(_TAIL_HEDGE.match(tail[1]))
        and (T.is_hedged(tail[1]) or T.is_commentary(tail[1]))
    )


def _clause(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for start, end in clauses:
        if start <= pos < end:
            return start, end
    return clauses[-1] if clauses else (0, pos)


def _subjects(fact: Fact, sentence: str, m: re.Match[str]) -> list[str]:
    """Who the match is about: fixed, the ``{subject}`` it matched, or the nearest entity before it."""
    if isinstance(fact.subject, str):
        return [fact.subject]
    entities = fact.subject
    if m.groupdict().get("subject") is not None:
        # A "..." right after {subject} may name a nearer subject: "EU said the US agreed".
        end = max([m.end("subject"), *(e for s, e in gap_spans(m) if s - m.end("subject") <= 2)])
        found = entities.mentions(sentence, 0, end)
        inside = [i for i, f in enumerate(found) if f[0] >= m.start("subject")]
        return with_coordinated(sentence, found, inside[-1]) if inside else []
    if entities.countries and not entities.codes:
        codes = T.subject_of(sentence, m.start())
        if codes:
            return codes
    found = entities.mentions(sentence, 0, m.end(), agents=True)
    before = [i for i, f in enumerate(found) if f[1] <= m.start()]
    if before:
        return with_coordinated(sentence, found, before[-1])
    return [f[2] for f in found if f[0] >= m.start()][:1]


def _value(fact: Fact, rule: Rule, sentence: str, m: re.Match[str]) -> Any:
    """The value a match gives, or None when it gives none."""
    kind = fact.spec.type
    if kind == "enum" or (kind == "str" and rule.value is not None):
        return rule.value
    if kind == "int":
        start, end = m.span("number")
        if _RANGE_BEFORE.search(sentence[max(0, start - 30) : start]) or _RANGE_AFTER.match(sentence, end):
            return None
        number = T.parse_number(m.group("number"))
        low, high = fact.minimum, fact.maximum
        if number is None or (low is not None and number < low) or (high is not None and number > high):
            return None
        return number
    if kind == "str":
        value = " ".join(m.group("value").split()).strip("\"'\u2018\u2019\u201c\u201d")
        return value if 0 < len(value) <= 200 else None
    return _list_value(fact, m.group("items")) or None


def _list_value(fact: Fact, stretch: str) -> list[str]:
    if isinstance(fact.items, Entities):
        return sorted({code for _, _, code in fact.items.mentions(stretch)})
    return sorted({item for item, phrase in fact.items or () if phrase.search(stretch)})


def _read_fact(fact: Fact, sentence: str, clauses: list[tuple[int, int]]) -> dict[str, _Hit]:
    """The best hit per subject for one fact in one sentence."""
    best: dict[str, _Hit] = {}
    for order, rule in enumerate(fact.rules):
        for m in rule.regex.finditer(sentence):
            clause = _clause(clauses, m.start())
            if _hedged(sentence, m, clause) or _negated(sentence, m, clause[0]):
                continue
            value = _value(fact, rule, sentence, m)
            if value is None:
                continue
            for subject in _subjects(fact, sentence, m):
                hit = _Hit(subject, value, rule.confidence, rule.rank, -order)
                if subject not in best or hit.strength > best[subject].strength:
                    best[subject] = hit
    return best


class StoryExtractor(Extractor):
    """The extractor of one story file."""

    def __init__(self, story: Story):
        self.story = story
        self.name = story.name
        self.facts = tuple(f.spec for f in story.facts)

    def __repr__(self) -> str:
        return f"StoryExtractor({self.story.name!r} from {self.story.source})"

    def extract_claims(self, article: Article) -> list[Claim]:
        story = self.story
        if not story.about(f"{article.title or ''}\n{(article.text or '')[:MAX_CHARS]}"):
            return []
        claims: dict[str, Claim] = {}
        for sentence in _sentences(article):
            if story.excluded(sentence):
                continue
            clauses = T.clause_spans(sentence)
            for fact in story.facts:
                for hit in _read_fact(fact, sentence, clauses).values():
                    claim = Claim(story.topic, hit.subject, fact.spec.attribute, hit.value, sentence,
                                  hit.confidence, extractor=self.name, article=article.id)  # fmt: skip
                    if claim.key not in claims or claim.confidence > claims[claim.key].confidence:
                        claims[claim.key] = claim
        return list(claims.values())
