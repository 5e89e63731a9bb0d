"""Russian reactions: foreign troops, the guarantees, negotiations, expulsions, drone attacks.

Reads an article's title and text and claims, under topic ``russia`` (subject ``RU``):

- ``foreign_troops`` - accepts < rejects < threatens: Moscow's stance on foreign
  troops in Ukraine; "legitimate targets" is ``threatens``;
- ``guarantees`` - none (no official reaction yet), accepts < conditional < rejects:
  the official stance on the Western security guarantees;
- ``negotiations`` - rejects < conditional < open ("a chance to end the war via
  negotiations if common sense prevails" is conditional);
- ``expulsion`` (event) - ``{"country": code}``: a diplomat of that country expelled
  by Russia (not Russian diplomats expelled by others);
- ``drone_attack`` (event) - ``{"launched": n, "intercepted": m or null}``: Russian
  drones launched at Ukraine in one attack (not Ukrainian drones downed over
  Russia, not monthly totals).

A stance counts only when Russia speaks (Putin, the Kremlin, Lavrov, Zakharova,
the foreign ministry ...), not when others describe or dismiss it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from monitor import Article, Claim, Extractor, FactSpec, hookimpl
from monitor import text as T

from . import _story

TOPIC = "russia"
SUBJECT = "RU"
NUM = _story.NUM

_RUSSIA = re.compile(r"\b(?:Russia\w*|Moscow|Kremlin|Putin|Lavrov|Peskov|Zakharova|Medvedev)\b")
_ELSEWHERE = re.compile(
    r"\b(?:Gaza\w*|Israel\w*|Syria\w*|Libya\w*|Venezuela\w*|Mali|Sahel|Central African)\b"
)
_QUOTE_START = re.compile("^[\"'\u201c\u2018\u00ab]")
_REPORTING = re.compile(
    r"\b(?:said|says|told|added|warned|stated|declared|noted|wrote|insisted|stressed)\b", re.I
)

_FOREIGN = r"(?:foreign|Western|European|NATO|coalition|allied|British|French|German|international|such|any|peacekeeping)"
_TROOPS = (
    r"(?:troops|forces|contingents?|peacekeepers|soldiers|military presence|boots|units|military personnel)"
)
_FOREIGN_TROOPS = re.compile(
    rf"\b{_FOREIGN}\s+(?:[\w-]{{1,40}}\s+)?{_TROOPS}\b|\b{_TROOPS}\s+(?:from|of)\s+(?:\w+\s+)?(?:NATO|European|Western|foreign|other)"
    r"\b|\bpeacekeepers\b|\b(?:reassurance|multinational|peacekeeping) force\b|\bdeployment of (?:\w+\s+){0,3}?(?:troops"
    r"|forces)\b",
    re.I,
)
_OWN_TROOPS = re.compile(
    r"\b(?:Ukrainian|Russian|Kyiv['\u2019]s|Russia['\u2019]s|North Korean)\s+(?:\w+\s+)?(?:troops|forces)",
    re.I,
)
_REJECT = (
    r"(?:rul\w* out|reject\w*|oppos\w*|unacceptable|(?:will|would|could) not (?:accept|allow|tolerate|agree to)|won['\u2019]t "
    r"(?:accept|allow|tolerate)|cannot accept|can['\u2019]t accept|no sense in|sees? no (?:sense|place|need)|saw no (?:sense|place"
    r"|need)|warn\w* against|(?:categorically|firmly|strongly|is|are) against|non-?starter|denounc\w*|condemn\w*)"
)
_TROOP_CUES = (
    (
        "threatens",
        0.9,
        re.compile(
            r"\blegitimate (?:military )?targets?\b|\b(?:will|would) be (?:destroyed|targeted|hit|struck|wiped out)\b"
            r"|\bstrike (?:them|such)\b",
            re.I,
        ),
    ),
    ("rejects", 0.8, re.compile(rf"\b{_REJECT}\b", re.I)),
    (
        "accepts",
        0.7,
        re.compile(
            r"\b(?:would|will|could|can) accept\b|\bno objections?\b|\bnot (?:object|opposed)\b", re.I
        ),
    ),
)
_GUAR = r"(?:(?:security\s+)?guarantees?)"
_GUARANTEE_CUES = (
    (
        "rejects",
        0.85,
        re.compile(
            rf"\b{_GUAR}\b[^.;]{{0,80}}?\b(?:unacceptable|non-?starter|a threat|threat to|dangerous|provocation|of danger)\b"
            rf"|\b(?:{_REJECT}|dismiss\w*)\b[^.;]{{0,60}}?\b{_GUAR}\b",
            re.I,
        ),
    ),
    (
        "conditional",
        0.8,
        re.compile(
            rf"\b{_GUAR}\b[^.;]{{0,80}}?\b(?:must|should|have to|would have to|need to)\s+(?:\w+\s+){{0,3}}?(?:include|involve"
            rf"|take into account|consider|respect|be agreed|account for)\b|\bRussia\w* (?:as|among) (?:a\s+|the\s+)?guarantors?"
            rf"\b|\b{_GUAR}\b[^.;]{{0,60}}?\bonly (?:if|when|once|with)\b",
            re.I,
        ),
    ),
    (
        "accepts",
        0.7,
        re.compile(rf"\b(?:accept\w*|support\w*|welcome\w*|no objection)\b[^.;]{{0,40}}?\b{_GUAR}\b", re.I),
    ),
)
_NO_REACTION = re.compile(
    r"\bno\s+(?:immediate\s+|official\s+)?(?:reaction|response|comment)\s+(?:from|by)\s+(?:the\s+)?(?:Russian|Kremlin|Moscow"
    r"|Russia)\b|\b(?:the Kremlin|Moscow|Russia|Russian officials)\s+(?:did not|didn't|has not|have not|had not)\s+"
    r"(?:yet\s+|immediately\s+)?(?:respond|react|comment)",
    re.I,
)
_TALKS = (
    r"(?:negotiat\w*|(?:peace\s+)?talks|dialogue|diplomatic (?:solution|settlement|track|path)|peace process"
    r"|meet(?:ing)?\s+(?:with\s+)?Zelensk\w*)"
)
_TALKS_WORD = re.compile(rf"\b{_TALKS}\b", re.I)
_TALKS_REJECT = re.compile(
    rf"\b(?:rul\w* out|reject\w*|refus\w*|no point in|no sense in|sees? no point|(?:will|would) not (?:negotiate|hold|meet)"
    rf"|won['\u2019]t (?:negotiate|meet)|not interested in|not ready for|suspend\w*|break off|broke off|pull\w* out of)\b"
    rf"[^.;]{{0,40}}?\b{_TALKS}\b|\brefus\w* to negotiate\b",
    re.I,
)
_TALKS_OPEN = re.compile(
    rf"\b(?:open to|ready for|ready to|willing to|prepared to|prefer\w*|chance to)\b[^.;]{{0,60}}?\b(?:{_TALKS}|negotiate|meet)\b",
    re.I,
)
_TALKS_CONDITION = re.compile(
    r"\b(?:must first|precondition\w*|first (?:withdraw|recogni[sz]e|accept))\b", re.I
)
_DIPLOMAT = (
    r"(?:diplomats?|envoys?|ambassadors?|consuls?(?: general)?|attach[e\u00e9]s?|embassy (?:staff|employees?|workers?"
    r"|officials?|staffers)|charg[e\u00e9] d['\u2019]affaires)"
)
_EXPEL = re.compile(
    rf"\b(?:expel\w*|expulsion of|kick\w* out|throw\w* out|order\w*)\s+(?:(?:an?|the|two|three|four|five|several|{NUM})\s+)?"
    rf"(?:[\w-]{{1,40}}\s+){{0,2}}?{_DIPLOMAT}\b(?P<rest>[^.;]{{0,40}})|\bdeclar\w*\s+(?:(?:an?|the|two|three|{NUM})\s+)?"
    rf"(?:[\w-]{{1,40}}\s+){{0,2}}?{_DIPLOMAT}\s+persona non grata"
    rf"|\b(?:[\w-]{{1,40}}\s+){{1,2}}{_DIPLOMAT}\s+(?:was|were|has been|have been|had been)\s+(?:expelled|ordered to leave)\s+"
    r"(?:from|by)\s+(?:Russia|Moscow)",
    re.I,
)
_DRONE = r"(?:drones|UAVs|Shaheds|unmanned aerial vehicles)"
_LAUNCH = re.compile(
    r"\b(?:fired|launched|launching|sent|unleashed|used|attacked|struck|pounded|targeted|hit|bombarded)\b[^.;]{0,50}?"
    rf"(?P<q>\b(?:more than|over|nearly|almost|about|around|some|at least|up to)\s+)?(?P<n>{NUM})\s+(?:[\w-]{{1,40}}\s+){{0,4}}?"
    rf"{_DRONE}\b",
    re.I,
)
_CUMULATIVE = re.compile(
    r"\b(?:this|last|past|previous) (?:month|week|year)|\bso far\b|\bin total\b|\bsince the start of\b|\bper (?:day|night)\b"
    r"|\bin (?:January|February|March|April|May|June|July|August|September|October|November|December)\b",
)
_ONE_ATTACK = re.compile(r"\b(?:overnight|night|attack|barrage|strike|wave)\b", re.I)
_DOWN = r"(?:intercepted|shot down|downed|destroyed|neutrali[sz]ed|jammed|suppressed|repelled|disabled|lost)"
_DOWNED = re.compile(
    rf"\b{_DOWN}(?:\s*(?:,|or|and)\s*(?:\w+\s+)?{_DOWN})?\s+(?P<n>{NUM})\b(?P<tail>[^.;]{{0,30}})"
    rf"|(?P<n2>{NUM})\s+(?:of\s+(?:them|those|these|the\s+drones)\s+|{_DRONE}\s+(?:and\s+{NUM}\s+\w+\s+)?)?(?:were|had been|was)\s+(?:\w+\s+)?{_DOWN}",
    re.I,
)
_NOT_DRONES = re.compile(r"^\s*(?:\w+\s+)?(?:missiles?|rockets?|aircraft|jets|planes|bombs)\b", re.I)


def _spec(attribute: str, kind: str, type_: str, label: str, values: tuple[str, ...] = ()) -> FactSpec:
    return FactSpec(
        TOPIC, attribute, kind, type_, label=label, values=values, ordered=bool(values), subjects=(SUBJECT,)
    )  # type: ignore[arg-type]


def _russia_speaks(sentence: str, pos: int, *, stance: bool = True) -> bool:
    """Russia says or does what ``sentence`` says at ``pos`` (its subject, first actor, or "..., Peskov said").

    For a ``stance``, another government reporting it ("Zelenskyy said Putin
    rejected talks") does not count; for an act (drones, expulsions) it does.
    """
    if not _QUOTE_START.match(sentence):
        actors = [
            m for m in T.find_countries(sentence, max(0, pos - 400), pos) if not T.is_location(sentence, m)
        ]
        if stance and actors and actors[0].code != "RU" and _REPORTING.search(sentence, actors[0].end, pos):
            return False
        if T.subject_of(sentence, pos) == ["RU"] or (stance and actors and actors[0].code == "RU"):
            return True
    for m in T.find_countries(sentence, pos, pos + 400):
        if m.code == "RU" and _REPORTING.search(sentence, max(0, m.start - 20), m.end + 25):
            return True
    return False


Found = Iterator[tuple[str, object, float]]


class RussiaExtractor(Extractor):
    """Moscow's stances on troops, guarantees and talks; expulsions and drone attacks."""

    name = "russia"
    facts = (
        _spec(
            "foreign_troops",
            "state",
            "enum",
            "Russia: foreign troops in Ukraine",
            ("accepts", "rejects", "threatens"),
        ),
        _spec(
            "guarantees",
            "state",
            "enum",
            "Russia: the security guarantees",
            ("none", "accepts", "conditional", "rejects"),
        ),
        _spec("negotiations", "state", "enum", "Russia: negotiations", ("rejects", "conditional", "open")),
        _spec("expulsion", "event", "object", "Russia: diplomat expelled"),
        _spec("drone_attack", "event", "object", "Russia: drone attack on Ukraine"),
    )

    def extract_claims(self, article: Article) -> list[Claim]:
        limit = _story.MAX_CHARS
        title, text = (article.title or "")[:limit], (article.text or "")[:limit]
        if not _RUSSIA.search(title) and not _RUSSIA.search(text):
            return []
        year = _story.published_year(article)
        sentences = _story.sentences(article)
        about_guarantees = bool(re.search(r"\bguarantee", f"{title} {text}", re.I))
        readers: list[Callable[[str], Found]] = [_foreign_troops, _guarantees, _negotiations, _expulsion]
        claims: list[Claim] = []
        for i, sentence in enumerate(sentences):
            if _story.stale(sentence, year):
                continue
            found = [item for read in readers for item in read(sentence)]
            found.extend(_drone_attack(sentences, i))
            if about_guarantees and _NO_REACTION.search(sentence):
                found.append(("guarantees", "none", 0.5))
            claims.extend(
                Claim(TOPIC, SUBJECT, attr, value, sentence, conf, extractor=self.name, article=article.id)
                for attr, value, conf in found
            )
        return _story.best(claims)


def _stance(sentence: str, cues: tuple[tuple[str, float, re.Pattern[str]], ...], attribute: str) -> Found:
    for value, confidence, pattern in cues:
        m = pattern.search(sentence)
        if m is None or not _russia_speaks(sentence, m.start()) or not _story.plain(sentence, 0, m.end()):
            continue
        if value == "accepts" and T.is_negated(sentence, 0, m.end()):
            continue
        yield attribute, value, confidence
        return


def _foreign_troops(sentence: str) -> Found:
    troops = _FOREIGN_TROOPS.search(sentence)
    if troops is None or _OWN_TROOPS.search(troops.group(0)) or _ELSEWHERE.search(sentence):
        return
    yield from _stance(sentence, _TROOP_CUES, "foreign_troops")


def _guarantees(sentence: str) -> Found:
    if not _ELSEWHERE.search(sentence):
        yield from _stance(sentence, _GUARANTEE_CUES, "guarantees")


def _negotiations(sentence: str) -> Found:
    for c_start, c_end in T.clause_spans(sentence):
        talks = _TALKS_WORD.search(sentence, c_start, c_end)
        if (
            talks is None
            or not _russia_speaks(sentence, talks.start())
            or T.is_commentary(sentence, c_start, c_end)
        ):
            continue
        rejected = _TALKS_REJECT.search(sentence, c_start, c_end)
        if rejected:
            yield "negotiations", "rejects", 0.8
        elif T.has_condition(sentence, c_start, c_end) or _TALKS_CONDITION.search(sentence, c_start, c_end):
            yield "negotiations", "conditional", 0.8
        elif _TALKS_OPEN.search(sentence, c_start, c_end) and not T.is_negated(sentence, c_start, c_end):
            yield "negotiations", "open", 0.7
        else:
            continue
        return


def _expulsion(sentence: str) -> Found:
    for m in _EXPEL.finditer(sentence):
        if m.group(0).lower().startswith("order") and not re.match(r"\s*to leave", m.group("rest") or ""):
            continue
        if not (
            _russia_speaks(sentence, m.start(), stance=False)
            or re.search(r"(?:from|by)\s+(?:Russia|Moscow)$", m.group(0))
        ):
            continue
        named = [x.code for x in T.find_countries(m.group(0)) if x.code != "RU"]
        if not named and m.group("rest"):
            named = [
                x.code for x in T.find_countries(m.group("rest")) if x.code != "RU" and x.kind == "adjective"
            ]
        russian_diplomat = any(x.code == "RU" and x.kind == "adjective" for x in T.find_countries(m.group(0)))
        if (
            named
            and not russian_diplomat
            and _story.plain(sentence, 0, m.end())
            and not T.is_negated(sentence, 0, m.start())
        ):
            yield "expulsion", {"country": named[0]}, 0.85
            return


def _drone_attack(sentences: list[str], i: int) -> Found:
    sentence = sentences[i]
    m = _LAUNCH.search(sentence)
    if (
        m is None
        or re.search(r"\bUkrainian\b", m.group(0))
        or not _russia_speaks(sentence, m.start(), stance=False)
    ):
        return
    if _CUMULATIVE.search(sentence) and not _ONE_ATTACK.search(sentence):
        return
    launched = T.parse_number(m.group("n"))
    if launched is None or not 1 <= launched <= 20_000 or not _story.plain(sentence, 0, m.end()):
        return
    intercepted = None
    for j, later in enumerate(sentences[i : i + 3]):
        start = m.end() if j == 0 else 0
        for d in _DOWNED.finditer(later, start):
            if d.group("n") and _NOT_DRONES.match(d.group("tail") or ""):
                continue
            value = T.parse_number(d.group("n") or d.group("n2"))
            if value is not None and value <= launched:
                intercepted = value
                break
        if intercepted is not None:
            break
    yield "drone_attack", {"launched": launched, "intercepted": intercepted}, 0.85


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(RussiaExtractor())
