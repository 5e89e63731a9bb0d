"""Coalition of the Willing: who pledges troops for Ukraine, how many, and who leads.

Reads an article's title and text and claims, under topic ``coalition``:

- ``coalition.members`` - countries in the coalition ("a group of 35 countries");
- ``coalition.troop_pledges`` - countries pledged to the reassurance force
  ("26 of the countries had pledged to deploy troops"); attendance is not a pledge;
- ``coalition.troop_total`` - size of the force ("a force of up to 15,000 troops"),
  null when the article says the number was not given; a range gives nothing;
- ``coalition.co_chairs`` - the co-chairing countries, sorted codes;
- ``coalition.headquarters`` - city of the force headquarters;
- ``<country>.troop_stance`` - declines < conditional < open < committed < deployed,
  attributed to the government that is the subject of the statement.

Speculation ("could", "analysts expect"), commentators and opposition, forces in
other places (Gaza, ...) and past years are ignored. Each key gets at most one
claim per article: the most confident, the first in the article on a tie.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from monitor import Article, Claim, Extractor, FactSpec, hookimpl
from monitor import text as T

from . import _story

TOPIC = "coalition"
STANCES = ("declines", "conditional", "open", "committed", "deployed")
NUM = _story.NUM
# Countries whose stance on sending troops is not a coalition stance.
NOT_MEMBERS = frozenset({"UA", "RU", "BY", "KP", "US"})

_ELSEWHERE = re.compile(
    r"\b(?:Gaza\w*|Israel\w*|Hamas|Hezbollah|Lebanon|West Bank|Qatar\w*|Syria\w*|Yemen\w*|Houthis?|Red Sea"
    r"|Haiti\w*|Sudan\w*|Sahel|Kosovo|Taiwan\w*|Venezuela\w*|Greenland|Contact Group|Ramstein)\b"
)
_WISH = re.compile(r"\b(?:should|ought to|must|needs? to|urged?|calls? (?:on|for))\b", re.I)

# -- numbers about the coalition --------------------------------------------------

_APPROX = re.compile(
    r"\b(?:some|about|around|roughly|nearly|almost|more than|over|at least|up to|fewer than|less than|several)\s+$",
    re.I,
)
_ATTEND = re.compile(
    r"\b(?:attend\w*|took part|take part in the (?:call|meeting|summit)|participated|present)\b", re.I
)
_MEMBERS = re.compile(
    rf"\b(?:group|coalition|alliance|bloc|grouping) of (?P<a>{NUM}) (?:countries|nations|states|members)\b"
    rf"|\b(?P<b>{NUM})[- ](?:nation|country|member)\s+(?:coalition|group|alliance|grouping)\b"
    rf"|\b(?P<c>{NUM}) (?:member |participating )?(?:countries|nations|states|members)\s+(?:in|of)\s+the\s+coalition\b"
    rf"|\bcoalition\b[^.;]{{0,30}}?\b(?:has|comprises|includes|counts|numbers|now has|grew to|expanded to)\s+"
    rf"(?P<d>{NUM}) (?:members|countries|nations|states)\b",
    re.I,
)
_PLEDGERS = re.compile(
    rf"(?P<n>{NUM})(?:\s+of\s+(?:the\s+|its\s+|their\s+|Ukraine['\u2019]s\s+|Kyiv['\u2019]s\s+)?(?:{NUM}\s+)?(?:\w+\s+)?"
    r"(?:countries|nations|allies|states|members|partners|participants)|\s+(?:\w+\s+)?(?:countries|nations|allies"
    r"|states|governments|members|partners))\b[^.;]{0,50}?\b(?:have|has|had)?\s*(?:\w+\s+)?"
    r"(?P<verb>pledged|committed|promised|agreed|signed up|signed on|vowed|offered|volunteered)\b(?P<obj>[^.;]{0,90})",
    re.I,
)
_FILL = rf"(?:(?:its|their|our|his|her|any|own|the|some|more|a|an|up to|about|around|ground|combat|peacekeeping|military|land|(?-i:[A-Z][\w-]{{1,40}})|{NUM})\s+){{0,4}}?"
_TROOPS = r"(?:troops|soldiers|forces|boots on the ground|personnel|servicemen|service members|contingents?|peacekeepers)"
_VERB = (
    r"(?:deploy(?:s|ed|ing)?|sen(?:d|ds|ding|t)|station(?:s|ed|ing)?|dispatch(?:es|ed|ing)?|commit(?:s|ted|ting)?"
    r"|contribut(?:e|es|ed|ing)|provid(?:e|es|ed|ing)|put(?:s|ting)?|plac(?:e|es|ed|ing))"
)
_FORCE = r"(?:force|mission|deployment|contingent|operation)"
_PART = rf"(?:take part|taking part|participat\w*|join\w*|be part of|lead|leading)\s+(?:in\s+)?(?:the\s+|a\s+|an\s+|any\s+)?(?:[\w-]{{1,40}}\s+){{0,3}}?{_FORCE}"
_DEPLOY = (
    rf"(?:{_VERB}\s+{_FILL}{_TROOPS}\b|deploy(?:s|ed|ing)?\s+(?:to|in|into|on)\s+(?:Ukraine|Ukrainian)|{_PART}\b"
    rf"|(?:maintain|keep)\s+a\s+presence\s+on\s+land)"
)
_PLEDGE_OBJECT = re.compile(
    rf"^\s*(?:[\w,]+\s+){{0,3}}?(?:to\s+)?(?:\w+\s+)?{_DEPLOY}|^\s*(?:to\s+)?(?:a|an|the)\s+(?:[\w-]{{1,40}}\s+){{0,3}}?{_FORCE}\b",
    re.I,
)
_TOTAL = re.compile(
    rf"\b(?:force|contingent|mission|deployment|presence)\s+(?:of|numbering|totall?ing|comprising)\s+(?P<q>(?:up to|as many"
    rf" as|about|around|roughly|some|nearly|almost|at least|more than|over|between)\s+)?(?P<n>{NUM})(?P<r>\s*(?:to|and|-|\u2013|or)\s*{NUM})?"
    rf"\s+(?:\w+\s+)?(?:troops|soldiers|personnel|service ?(?:members|men))\b"
    rf"|\b(?P<n2>{NUM})[- ](?:strong|troop|soldier)\s+(?:[\w-]{{1,40}}\s+)?(?:force|contingent|mission)\b",
    re.I,
)
_TOTAL_UNKNOWN = re.compile(
    r"\b(?:did not|didn't|would not|wouldn't|declined to|refused to|has not|have not|hasn't|haven't|not)\s+(?:\w+\s+){0,2}?"
    r"(?:say|specify|disclose|give|reveal|detail|indicate|announce|put)\b[^.;]{0,25}?\b(?:how many (?:\w+\s+)?(?:troops|"
    r"soldiers|personnel)|(?:number|size|strength) of (?:the\s+)?(?:\w+\s+)?(?:troops|soldiers|force|contingent)|figures? "
    r"(?:for|on) (?:the\s+)?(?:\w+\s+)?(?:troops|force))",
    re.I,
)
_FOREIGN_ARMY = re.compile(
    r"\b(?:Russian|Russia['\u2019]s|North Korean|Ukrainian|Ukraine['\u2019]s|Moscow['\u2019]s)\b"
)
_FORCE_CONTEXT = re.compile(
    r"\b(?:reassurance|multinational|peacekeeping|coalition|post-?war|ceasefire|Ukraine|European force)\b",
    re.I,
)

# -- co-chairs and headquarters ------------------------------------------------------

_COCHAIR = re.compile(
    r"\bco-?(?:chair\w*|lead|leads|led|leading)\b|\bjointly (?:lead|led|chair\w*)\b|\bat the head of\b", re.I
)
_THE_COALITION = re.compile(
    r"\bCoalition of the Willing\b|\b(?:the|this|their|its|a)\s+(?:[\w-]{1,30}\s+)?coalition\b", re.I
)
_NICHE_COALITION = re.compile(
    r"\b(?:drone|maritime|capability|demining|armou?r|air|artillery|tank|jet|IT|energy)\s+coalition", re.I
)
_HQ = re.compile(
    r"\b(?:coalition|force|mission)(?:['\u2019]s)?\s+(?:[\w-]{1,40}\s+){0,2}?(?:headquarters|HQ|command cent(?:re|er))"
    r"(?:\s+(?:will|would)\s+be)?\s+(?:(?:based|located|set up)\s+)?(?:in|at)\s+(?P<a>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)"
    r"|\b(?:coalition|force|mission)\b[^.;]{0,40}?\b(?:will be|would be|is|to be)\s+headquartered\s+in\s+"
    r"(?P<b>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)"
)

# -- stances, strongest evidence first -----------------------------------------------

_NEG = r"(?:not|never|n't)\s+(?:\w+\s+){0,2}?"
_STANCE_CUES: list[tuple[str, float, re.Pattern[str]]] = [
    (
        "deployed",
        0.85,
        re.compile(
            rf"\b{_TROOPS}\s+(?:are|were|have been|had been)\s+(?:already\s+)?(?:deployed|stationed|on the ground)\s+in"
            rf"\s+Ukraine|\b(?:has|have)\s+(?:already\s+)?(?:deployed|sent|stationed)\s+{_FILL}{_TROOPS}\s+(?:to|in|into)"
            r"\s+Ukraine",
            re.I,
        ),
    ),
    (
        "declines",
        0.85,
        re.compile(
            rf"\b{_NEG}{_DEPLOY}|\bno\s+(?:plans?|intention)\s+(?:to|of)\s+(?:\w+\s+)?{_DEPLOY}"
            rf"|\b(?:rul(?:ed|es|ing|e) out|refus\w*|declin\w*|reject\w*|exclud\w*)\s+(?:to\s+)?(?:\w+\s+){{0,2}}?{_DEPLOY}"
            rf"|\brul\w* out\s+(?:any|the|a)?\s*(?:\w+\s+)?deployment\b|\bno\s+(?:(?-i:[A-Z])\w+\s+)?(?:troops|soldiers|boots)\b"
            r"|\bkeep(?:s|ing)?\s+(?:its|their|our)\s+(?:troops|soldiers|forces)\s+at home\b",
            re.I,
        ),
    ),
    (
        "conditional",
        0.8,
        re.compile(
            r"\bdecide\b[^.;]{0,60}?\b(?:only|later)\b|\b(?:has|have)\s+(?:yet to|not yet)\s+decided?\b"
            r"|\b(?:deployment|participation|troops|soldiers|contribution|military commitment)\b[^.;]{0,40}?\b(?:would|will)"
            r"\s+(?:\w+\s+)?(?:require|need|depend on|be subject to)\b"
            rf"|{_DEPLOY}[^.;]{{0,60}}?\b(?:only\s+(?:if|when|once|with|under)|if|provided|unless|as long as|on condition)\b"
            r"(?!\s+(?:a |the |any )?(?:ceasefire|truce|peace|settlement|deal|(?:war|fighting) (?:ends|stops)))",
            re.I,
        ),
    ),
    (
        "committed",
        0.8,
        re.compile(
            rf"\b(?:pledg\w*|commit\w*|promis\w*|vow\w*|sign(?:s|ed|ing)?|agree\w*)\b[^.;]{{0,60}}?\b(?:to\s+)?{_DEPLOY}"
            rf"|\b(?:will|shall|would|is going to|are going to|is to|are to|is set to|are set to)\s+(?:also\s+)?{_DEPLOY}"
            rf"|\b(?:prepar\w*|readying)\s+{_FILL}{_TROOPS}\s+(?:to|for)\s+(?:deploy\w*|lead)"
            rf"|\b{_TROOPS}\s+(?:will|are to|are set to|are due to)\s+(?:be\s+)?(?:deploy\w*|lead|sent|stationed)",
            re.I,
        ),
    ),
    (
        "open",
        0.7,
        re.compile(
            rf"\b(?:open|ready|prepared|willing|available|offer(?:s|ed|ing)?)\s+(?:to\s+)?(?:\w+\s+)?{_DEPLOY}"
            r"|\b(?:openness|readiness|willingness)\s+to\s+(?:[\w-]{1,40}\s+){0,2}?(?:participation|participat\w*|deploy\w*|"
            rf"send\w*|contribut\w*)\b[^.;]{{0,40}}?\b(?:{_FORCE}|troops|soldiers)\b|\b{_NEG}rul\w* out\s+{_DEPLOY}",
            re.I,
        ),
    ),
]
_ELSEWHERE_DESTINATION = re.compile(r"\b(?:to|in|into|inside)\s+(?:the\s+)?$|\boutside\b", re.I)
_WITHOUT = re.compile(
    r"\b(?:without|unless|until|before)\b(?!\s+(?:a |the )?(?:ceasefire|truce|peace))", re.I
)


def _spec(attribute: str, type_: str, label: str, **kw: object) -> FactSpec:
    return FactSpec(TOPIC, attribute, "state", type_, label=label, **kw)  # type: ignore[arg-type]


class CoalitionExtractor(Extractor):
    """Troop pledges, force size, co-chairs, headquarters and national stances."""

    name = "coalition"
    facts = (
        _spec("members", "int", "Coalition: member countries", subjects=("coalition",)),
        _spec("troop_pledges", "int", "Coalition: countries pledging troops", subjects=("coalition",)),
        _spec(
            "troop_total",
            "int",
            "Coalition: size of the force (troops)",
            nullable=True,
            subjects=("coalition",),
        ),
        _spec("co_chairs", "list", "Coalition: co-chairs", subjects=("coalition",)),
        _spec("headquarters", "str", "Coalition: force headquarters", subjects=("coalition",)),
        _spec(
            "troop_stance", "enum", "Troops for Ukraine: stance of a country", values=STANCES, ordered=True
        ),
    )

    def extract_claims(self, article: Article) -> list[Claim]:
        if not _story.about_story(_story.content(article), _ELSEWHERE):
            return []
        year = _story.published_year(article)
        claims: list[Claim] = []
        for sentence in _story.sentences(article):
            if _ELSEWHERE.search(sentence) or _story.stale(sentence, year):
                continue
            for attribute, subject, value, confidence in self._read(sentence):
                claims.append(
                    Claim(
                        TOPIC,
                        subject,
                        attribute,
                        value,
                        sentence,
                        confidence,
                        extractor=self.name,
                        article=article.id,
                    )
                )
        return _story.best(claims)

    def _read(self, sentence: str) -> Iterator[tuple[str, str, object, float]]:
        if _THE_COALITION.search(sentence) and not _NICHE_COALITION.search(sentence):
            yield from _members(sentence)
            yield from _co_chairs(sentence)
        yield from _pledges(sentence)
        yield from _total(sentence)
        yield from _headquarters(sentence)
        yield from _stances(sentence)


def _plain(sentence: str, start: int, end: int) -> bool:
    """Neither hedged, negated, a wish nor commentary between ``start`` and ``end``."""
    return not (
        T.is_hedged(sentence, start, end)
        or T.is_negated(sentence, start, end)
        or _WISH.search(sentence, start, end)
        or T.is_commentary(sentence, start, end)
    )


def _members(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    for m in _MEMBERS.finditer(sentence):
        group = next(g for g in "abcd" if m.group(g))
        value = T.parse_number(m.group(group))
        if _APPROX.search(sentence, 0, m.start(group)) or value is None or not 2 <= value <= 200:
            continue
        if group == "c" and _ATTEND.search(sentence, m.end()):
            continue
        if _plain(sentence, 0, m.end()):
            yield "members", "coalition", value, 0.8
            return


def _pledges(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    for m in _PLEDGERS.finditer(sentence):
        value = T.parse_number(m.group("n"))
        if value is None or not 2 <= value <= 100 or _APPROX.search(sentence, 0, m.start("n")):
            continue
        obj = _PLEDGE_OBJECT.match(m.group("obj"))
        if obj is None or re.search(r"\btrain", obj.group(0), re.I):
            continue
        if _plain(sentence, m.start(), m.start("obj") + obj.end()):
            yield "troop_pledges", "coalition", value, 0.85
            return


def _total(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    for m in _TOTAL.finditer(sentence) if _FORCE_CONTEXT.search(sentence) else ():
        if m.group("r") or (m.group("q") or "").lower().startswith("between"):
            continue  # a range gives no total
        value = T.parse_number(m.group("n") or m.group("n2"))
        if value is None or not 100 <= value <= 1_000_000 or _FOREIGN_ARMY.search(sentence, 0, m.end()):
            continue
        if not (T.is_hedged(sentence, 0, m.end()) or T.is_negated(sentence, 0, m.end())):
            yield "troop_total", "coalition", value, 0.8
            return
    unknown = _TOTAL_UNKNOWN.search(sentence)
    if unknown and not _FOREIGN_ARMY.search(sentence):
        yield "troop_total", "coalition", None, 0.6


def _co_chairs(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    cues = list(_COCHAIR.finditer(sentence))
    if not cues or not _plain(sentence, 0, cues[0].end()):
        return
    comma = sentence.find(",", cues[-1].end())
    end = comma if comma >= 0 else len(sentence)
    codes = {
        m.code
        for m in T.find_countries(sentence, 0, end)
        if m.code not in NOT_MEMBERS and not T.is_location(sentence, m)
    }
    if len(codes) >= 2:
        yield "co_chairs", "coalition", sorted(codes), 0.8


def _headquarters(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    m = _HQ.search(sentence)
    if m is None or not _plain(sentence, 0, m.end()):
        return
    city = m.group("a") or m.group("b")
    mentions = T.find_countries(city)
    if mentions and mentions[0].kind == "name":
        return  # a country, not a city
    yield "headquarters", "coalition", city, 0.8


def _destination_elsewhere(sentence: str, start: int, end: int) -> bool:
    """The deployment goes somewhere other than Ukraine ("to Lithuania", "outside the country")."""
    window_end = min(len(sentence), end + 40)
    if re.search(r"\boutside\b|\bneighbou?ring\b", sentence[start:window_end], re.I):
        return True
    for m in T.find_countries(sentence, start, window_end):
        if m.code != "UA" and _ELSEWHERE_DESTINATION.search(sentence, max(0, m.start - 12), m.start):
            return True
    return False


def _stances(sentence: str) -> Iterator[tuple[str, str, object, float]]:
    for c_start, c_end in T.clause_spans(sentence):
        for value, confidence, pattern in _STANCE_CUES:
            m = pattern.search(sentence, c_start, c_end)
            if m is None:
                continue
            yield from _stance(sentence, m, value, confidence, c_start, c_end)
            break  # the strongest cue of a clause speaks for it


def _stance(
    sentence: str, m: re.Match[str], value: str, confidence: float, c_start: int, c_end: int
) -> Iterator[tuple[str, str, object, float]]:
    inside = [
        x.code for x in T.find_countries(m.group(0)) if x.kind == "adjective" and x.code not in NOT_MEMBERS
    ]
    subjects = inside[:1] or T.subject_of(sentence, m.start(), exclude=NOT_MEMBERS)
    if not subjects:
        return
    w_start = c_start
    if T.is_hedged(sentence, w_start, m.end()) or _WISH.search(sentence, w_start, m.end()):
        return
    if T.is_commentary(sentence, c_start, c_end):
        return
    if value == "declines" and _WITHOUT.search(sentence, m.end(), c_end):
        value, confidence = "conditional", 0.8  # "not ... without a mandate"
    elif value not in ("declines", "conditional") and (
        T.is_negated(sentence, w_start, m.end()) or _destination_elsewhere(sentence, m.start(), m.end())
    ):
        return
    for code in subjects:
        yield "troop_stance", code, value, confidence


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(CoalitionExtractor())
