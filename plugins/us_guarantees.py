"""United States security guarantees for Ukraine: what Washington offers, and on what terms.

Reads an article's title and text and claims, under topic ``us_guarantees``
(subject ``US``):

- ``participation`` - ruled_out < undecided < willing < committed
  ("Washington had expressed willingness to be part of the plan" is willing);
- ``backstop`` - ruled_out < no_commitment < conditional < committed: US support
  for the European force or guarantees if Russia attacks again. An offer is
  ``committed`` unless the article ties it to a precondition (a peace deal signed
  first, a vote in Congress, concessions), then ``conditional``;
  "has made no explicit commitment" (about the backstop) is ``no_commitment``;
- ``troops_in_ukraine`` - ruled_out < undecided < committed: US ground troops;
- ``ceasefire_monitoring`` - none < participates < leads;
- ``term_years`` - duration of the offered guarantee ("15 years of guarantees");
- ``demands`` - what the US asks of Europe: ``stop_russian_oil``, ``pressure_china``.

Only statements by or attributed to the US government count, never speculation
or requests by others ("Zelenskyy asked for 30 to 50 years" is not a term), and
only about Ukraine (a Gaza force is another story).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from monitor import Article, Claim, Extractor, FactSpec, hookimpl
from monitor import text as T

from . import _story

TOPIC = "us_guarantees"
SUBJECT = "US"
NUM = _story.NUM

_ELSEWHERE = re.compile(
    r"\b(?:Gaza\w*|Israel\w*|Hamas|Hezbollah|Lebanon|West Bank|Qatar\w*|Syria\w*|Yemen\w*|Houthis?|Red Sea"
    r"|Haiti\w*|Sudan\w*|Taiwan\w*|Venezuela\w*|Greenland|Japan|South Korea|Philippines)\b"
)
_US_ONLY = frozenset({"US"})
_GUARANTEE = r"(?:(?:security\s+)?guarantees?|backstop|air (?:support|cover|power)|Article 5[- ](?:like|style)\s+\w+|protection)"
_OFFER = re.compile(
    r"\b(?:offer(?:s|ed|ing)?|promis(?:e|es|ed|ing)|pledg(?:e|es|ed|ing)|commit(?:s|ted)? to (?:providing|provide)"
    r"|agreed to (?:provide|give|offer)|(?:will|would|to) (?:provide|give|offer|extend|back|support)|providing|extend(?:s|ed))\b"
    rf"[^.;]{{0,40}}?\b{_GUARANTEE}",
    re.I,
)
_NO_COMMITMENT = re.compile(
    r"\b(?:made|makes|given|gave|offered|provided)\s+no\s+(?:\w+\s+)?(?:commitment|promise|pledge|guarantee)s?\b"
    r"|\b(?:has|have|had|did)\s*(?:not|n't)\s+(?:yet\s+)?(?:\w+\s+)?(?:committed?|promised?|pledged?|offered?)\b"
    r"|\bstopped short of\b|\bdeclined to commit\b|\bnon-?committal\b",
    re.I,
)
_RULED_OUT_BACKSTOP = re.compile(
    rf"\brul\w* out\b[^.;]{{0,30}}?{_GUARANTEE}|\b(?:will|would)\s+not\s+(?:provide|offer|give|extend)\b[^.;]{{0,30}}?"
    rf"{_GUARANTEE}|\bno\s+(?:US|U\.S\.|American)\s+{_GUARANTEE}",
    re.I,
)
_PRECONDITION = re.compile(
    r"\b(?:once|after|when|if|until)\s+(?:a\s+|the\s+)?peace (?:deal|agreement|settlement)|\bvote\b|\bCongress\b|\bSenate\b"
    r"|\bratif\w+|\bin (?:exchange|return) for\b|\bcede\b|\bconcessions?\b",
    re.I,
)
_GUARANTEE_WORD = re.compile(r"\b(?:guarantees?|backstop|offer|protection|they|it)\b", re.I)
_WILLING = re.compile(
    r"\b(?:expressed|signall?ed|voiced|showed|indicated)\s+(?:its\s+|his\s+)?(?:willingness|readiness|openness)\b"
    r"|\b(?:willing|ready|prepared)\s+to\s+(?:take part|participate|contribute|join|be part|help|provide|support)\b"
    rf"|\boffer(?:s|ed|ing)?\b[^.;]{{0,40}}?\b{_GUARANTEE}"
    r"|\b(?:will|would)\s+(?:contribute|take part|participate|be involved)\b",
    re.I,
)
_SIGNED = re.compile(
    r"\b(?:signed|formally (?:pledged|committed))\b[^.;]{0,40}?\b(?:guarantees?|agreement|declaration)", re.I
)
_NO_PART = re.compile(
    r"\b(?:will|would)\s+not\s+(?:take part|participate|join|contribute|be part of)\b[^.;]{0,30}?(?:guarantees?|force"
    r"|plan|coalition)|\brul\w* out\s+(?:any\s+)?(?:US\s+|U\.S\.\s+|American\s+)?(?:participation|role|involvement)",
    re.I,
)
_UNDECIDED = re.compile(r"\b(?:undecided|(?:has|have) not (?:yet )?decided whether)\b", re.I)
_TROOPS = r"(?:(?:ground\s+)?troops|soldiers|boots on the ground|forces)"
_TROOP_CUES = (
    ("undecided", re.compile(rf"\b(?:not|never|n't)\s+(?:\w+\s+)?rul\w* out\b[^.;]{{0,30}}?{_TROOPS}", re.I)),
    (
        "ruled_out",
        re.compile(
            rf"\b(?:not|never|n't)\s+(?:\w+\s+){{0,2}}?(?:send|deploy|put|station)\w*\s+(?:\w+\s+){{0,3}}?{_TROOPS}"
            rf"|\brul\w* out\s+(?:sending|deploying|putting|any)\s+(?:\w+\s+){{0,3}}?{_TROOPS}"
            rf"|\bno\s+(?:US|U\.S\.|American)\s+{_TROOPS}|\bno\s+(?:US\s+|U\.S\.\s+|American\s+)?boots on the ground",
            re.I,
        ),
    ),
    (
        "committed",
        re.compile(
            rf"\b(?:will|to)\s+(?:send|deploy|station)\s+(?:\w+\s+){{0,3}}?{_TROOPS}\s+(?:to|in)\s+Ukraine",
            re.I,
        ),
    ),
)
_MONITORING = r"(?:monitoring|verification|monitor|verify)"
_LEADS = re.compile(
    rf"\b(?:lead|leads|led|leading|head|heads|chair)\s+(?:the\s+|a\s+|any\s+)?(?:\w+\s+){{0,2}}?{_MONITORING}\b[^.;]{{0,40}}?"
    rf"\b(?:ceasefire|truce)|\b(?:US|U\.S\.|American)-led\s+(?:\w+\s+){{0,2}}?{_MONITORING}",
    re.I,
)
_PARTICIPATES = re.compile(
    rf"\b(?:take part in|participate in|join|contribute to|help|assist (?:with|in)|be part of|support)\s+(?:the\s+)?"
    rf"(?:\w+\s+){{0,2}}?{_MONITORING}\b[^.;]{{0,40}}?\b(?:ceasefire|truce)",
    re.I,
)
_TERM = re.compile(
    rf"\b(?:guarantees?|backstop|protection|commitment)\s+(?:\w+\s+)?(?:lasting|for|of|spanning|covering)\s+(?:up to\s+)?"
    rf"(?P<a>{NUM})\s+years\b|\b(?P<b>{NUM})[- ]years?\s+(?:of\s+|long\s+)?(?:(?:US|U\.S\.|American)\s+)?(?:security\s+)?"
    rf"(?:guarantees?|backstop|protection)\b",
    re.I,
)
_REQUEST = re.compile(
    r"\b(?:asked|ask|asks|wants?|wanted|sought|seeks?|requested|request|hoped|demanded)\b", re.I
)
_DEMAND_VERB = re.compile(
    r"\b(?:must|should|needs? to|has to|have to|urged|urges|demanded|demands|called on|calls on|calls for|called for"
    r"|insisted|insists|pressed|pressing|wants|told|asked|condition\w*)\b",
    re.I,
)
_DEMANDS = (
    (
        "stop_russian_oil",
        re.compile(
            r"\b(?:stop|halt|end|cease|quit|phase out|ban|cut off|curb)\w*\s+(?:\w+\s+){0,2}?(?:(?:buying|purchasing|"
            r"purchases of|imports? of|importing)\s+)?(?:Russian|Moscow['\u2019]s|Russia['\u2019]s)\s+(?:\w+\s+)?"
            r"(?:oil|energy|gas|crude|fuel|LNG)\b",
            re.I,
        ),
    ),
    (
        "pressure_china",
        re.compile(
            r"\b(?:pressure|tariffs?|duties|sanctions|levies)\b[^.;]{0,40}?\b(?:on|against)\s+(?:\w+\s+)?China\b"
            r"|\b(?:pressure|sanction|punish)\w*\s+China\b",
            re.I,
        ),
    ),
)


def _spec(attribute: str, type_: str, label: str, values: tuple[str, ...] = ()) -> FactSpec:
    return FactSpec(
        TOPIC,
        attribute,
        "state",
        type_,
        label=label,
        values=values,
        ordered=type_ == "enum",
        subjects=(SUBJECT,),  # type: ignore[arg-type]
    )


def _by_us(sentence: str, pos: int) -> bool:
    """The United States is the subject of what ``sentence`` says at ``pos``."""
    return T.subject_of(sentence, pos) == ["US"]


def _us_first(sentence: str, pos: int) -> bool:
    """The first acting country of the sentence, before ``pos``, is the United States ("Trump said ...")."""
    for m in T.find_countries(sentence, max(0, pos - 400), pos):
        if not T.is_location(sentence, m):
            return m.code == "US"
    return False


class UsGuaranteesExtractor(Extractor):
    """US participation, backstop, troops, ceasefire monitoring, term and demands."""

    name = "us_guarantees"
    facts = (
        _spec(
            "participation",
            "enum",
            "US: part in the guarantees",
            ("ruled_out", "undecided", "willing", "committed"),
        ),
        _spec(
            "backstop",
            "enum",
            "US: backstop for the force",
            ("ruled_out", "no_commitment", "conditional", "committed"),
        ),
        _spec("troops_in_ukraine", "enum", "US: troops in Ukraine", ("ruled_out", "undecided", "committed")),
        _spec("ceasefire_monitoring", "enum", "US: ceasefire monitoring", ("none", "participates", "leads")),
        _spec("term_years", "int", "US: term of the guarantee (years)"),
        _spec("demands", "list", "US: demands on Europe", ("pressure_china", "stop_russian_oil")),
    )

    def extract_claims(self, article: Article) -> list[Claim]:
        if not _story.about_story(_story.content(article), _ELSEWHERE):
            return []
        year = _story.published_year(article)
        sentences = _story.sentences(article)
        usable = [not _ELSEWHERE.search(s) and not _story.old_year(s, year) for s in sentences]
        found: list[tuple[str, object, str, float]] = []
        demands: dict[str, str] = {}
        for i, sentence in enumerate(sentences):
            if not usable[i]:
                continue
            found.extend(_participation(sentence))
            found.extend(_backstop(sentences, i, usable))
            found.extend(_troops(sentence))
            found.extend(_monitoring(sentence))
            found.extend(_term(sentence))
            for demand in _demands(sentence):
                demands.setdefault(demand, sentence)
        if demands:
            first = min(demands.values(), key=sentences.index)
            found.append(("demands", sorted(demands), first, 0.8))
        # each item of found is (attribute, value, evidence, confidence)
        return _story.best(
            Claim(TOPIC, SUBJECT, *item, extractor=self.name, article=article.id) for item in found
        )


Found = Iterator[tuple[str, object, str, float]]


def _participation(sentence: str) -> Found:
    for value, pattern, confidence in (
        ("ruled_out", _NO_PART, 0.8),
        ("committed", _SIGNED, 0.8),
        ("undecided", _UNDECIDED, 0.7),
        ("willing", _WILLING, 0.75),
    ):
        m = pattern.search(sentence)
        if m and _by_us(sentence, m.start()) and _story.plain(sentence, 0, m.end()):
            if value in ("willing", "committed") and T.is_negated(sentence, 0, m.end()):
                return
            yield "participation", value, sentence, confidence
            return


def _backstop(sentences: list[str], i: int, usable: list[bool]) -> Found:
    sentence = sentences[i]
    for value, pattern, confidence in (
        ("ruled_out", _RULED_OUT_BACKSTOP, 0.8),
        ("no_commitment", _NO_COMMITMENT, 0.7),
    ):
        m = pattern.search(sentence)
        if not (m and _by_us(sentence, m.start()) and _story.plain(sentence, 0, m.end())):
            continue
        context = sentence if value == "ruled_out" else " ".join(sentences[max(0, i - 1) : i + 1])
        if re.search(r"\b(?:backstop|guarantees?|air (?:support|cover))\b", context, re.I):
            yield "backstop", value, sentence, confidence
            return
    m = _OFFER.search(sentence)
    if not (m and _by_us(sentence, m.start()) and _story.plain(sentence, 0, m.end())) or T.is_negated(
        sentence, 0, m.end()
    ):
        return
    if _PRECONDITION.search(sentence, m.end()) or T.has_condition(sentence, m.end()):
        yield "backstop", "conditional", sentence, 0.8
        return
    for j in range(i + 1, min(i + 3, len(sentences))):
        later = sentences[j]
        if (
            usable[j]
            and _GUARANTEE_WORD.search(later)
            and (_PRECONDITION.search(later) or T.has_condition(later))
        ):
            yield "backstop", "conditional", later, 0.8
            return
    yield "backstop", "committed", sentence, 0.6


def _troops(sentence: str) -> Found:
    if not re.search(r"\b(?:Ukrain\w*|Kyiv|reassurance|multinational)\b", sentence, re.I):
        return
    for value, pattern in _TROOP_CUES:
        m = pattern.search(sentence)
        if m is None:
            continue
        inside = any(x.code == "US" for x in T.find_countries(m.group(0)))
        if (inside or _by_us(sentence, m.start())) and _story.plain(sentence, 0, m.end()):
            yield "troops_in_ukraine", value, sentence, 0.8
        return


def _monitoring(sentence: str) -> Found:
    for value, pattern in (("leads", _LEADS), ("participates", _PARTICIPATES)):
        m = pattern.search(sentence)
        if m is None:
            continue
        inside = any(x.code == "US" for x in T.find_countries(m.group(0)))
        if (inside or _by_us(sentence, m.start())) and _story.plain(sentence, 0, m.end()):
            yield (
                "ceasefire_monitoring",
                "none" if T.is_negated(sentence, 0, m.end()) else value,
                sentence,
                0.8,
            )
        return


def _term(sentence: str) -> Found:
    for m in _TERM.finditer(sentence):
        group = "a" if m.group("a") else "b"
        value = T.parse_number(m.group(group))
        if value is None or not 1 <= value <= 100 or _REQUEST.search(sentence, 0, m.start()):
            continue
        if re.match(rf"\s*(?:to|-|\u2013|or|and)\s*{NUM}", sentence[m.end(group) :]):
            continue  # a range
        us = [x for x in T.find_countries(sentence) if x.code == "US" and not T.is_location(sentence, x)]
        if us and _story.plain(sentence, 0, m.end()):
            yield "term_years", value, sentence, 0.8
            return


def _demands(sentence: str) -> Iterator[str]:
    for demand, pattern in _DEMANDS:
        m = pattern.search(sentence)
        if m and _us_first(sentence, m.start()) and _DEMAND_VERB.search(sentence, 0, m.start()):
            yield demand


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(UsGuaranteesExtractor())
