"""Language helpers for extractor authors: sentences, numbers, countries, negation.

Everything here is plain regular expressions compiled once at import, works on
any ``str`` and never raises. Positions are character offsets into the string
you pass, so evidence cut with them is always an exact substring of the article.

>>> split_sentences("WARSAW (Sept 4) - Mr. Tusk spoke. U.S. officials agreed.")
['Mr. Tusk spoke.', 'U.S. officials agreed.']
>>> parse_number("Twenty-six"), parse_number("15,000"), parse_number("two dozen")
(26, 15000, 24)
>>> [(m.text, m.code) for m in find_countries("Berlin said the Italian and Merz agreed")]
[('Berlin', 'DE'), ('Italian', 'IT'), ('Merz', 'DE')]
>>> is_negated("Meloni said she would not send troops"), is_hedged("Germany could send troops")
(True, True)
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pycountry

__all__ = [
    "NUMBER",
    "CountryMention",
    "NumberMention",
    "clause_spans",
    "country_code",
    "country_names",
    "find_countries",
    "find_numbers",
    "has_condition",
    "is_commentary",
    "is_hedged",
    "is_location",
    "is_negated",
    "parse_number",
    "sentence_spans",
    "split_sentences",
    "subject_of",
    "trie_regex",
]

# -- sentences -----------------------------------------------------------------

# Abbreviations after which a period never ends a sentence ("Mr. Tusk").
# fmt: off
_TITLES = frozenset([
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "adm", "gov", "sen", "rep", "rev",
    "st", "sr", "jr", "hon", "pres", "maj", "cmdr", "brig", "amb", "mt", "ft", "messrs", "supt", "insp",
    "cpl", "pvt", "det", "vs", "e.g", "i.e", "cf", "al", "approx"
])
# fmt: on
# Abbreviations that never end a sentence before a number ("No. 10", "p. 4").
_NUMBERED = frozenset(["no", "nos", "vol", "pp", "p", "art", "fig", "ch", "sec"])
# Abbreviations that end a sentence only when a typical sentence opener follows.
# fmt: off
_SOFT = frozenset([
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "corp",
    "ltd", "co", "etc", "bros", "dept", "govt", "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla",
    "ga", "ill", "ind", "kan", "ky", "la", "md", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla",
    "ore", "pa", "tenn", "tex", "va", "vt", "wash", "wis", "wyo"
])
# fmt: on
# fmt: off
_OPENERS = frozenset([
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "but", "and", "this", "that", "these", "those",
    "in", "on", "at", "its", "his", "her", "their", "there", "meanwhile", "however", "earlier", "later",
    "after", "before", "when", "while", "as", "if", "yet", "so", "officials"
])
# fmt: on
_END = re.compile(r"(?<![.!?\u2026])[.!?\u2026]++[\"'\u201d\u2019\u00bb)\]]*(?=\s)")
_PREV_TOKEN = re.compile(r"([A-Za-z][A-Za-z.]*)\.*$")
_NEXT_TOKEN = re.compile(r"\s+[\"'\u201c\u2018\u00ab(\[]*(\S)(\w*)")
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?![ \t]*[a-z])")
# "WARSAW (Sept 4) - ", "PALM BEACH, Fla. - ", "PARIS, Jan 6 - ", "KYIV (Reuters) - "
_DATELINE = re.compile(
    r"[ \t]*[A-Z][A-Z.'\u2019-]+[A-Z.](?:[ \t]+[A-Z][A-Z.'\u2019-]*[A-Z.])*"
    r"(?:,[ \t]*[A-Za-z][\w.'\u2019 ]{0,28}?)?(?:[ \t]*\([^()\n]{1,30}\))?[ \t]*[-\u2013\u2014]{1,2}[ \t]+"
)


def _ends_sentence(text: str, start: int, stop: int, nxt: re.Match[str] | None) -> bool:
    """Whether the punctuation run text[start:stop] closes a sentence."""
    if nxt is None:
        return True
    first, rest = nxt.group(1), nxt.group(2)
    if first.islower():
        return False
    if text[start] in "!?\u2026":
        return True
    token_match = _PREV_TOKEN.search(text, max(0, start - 40), start + 1)
    if token_match is None:
        return True
    token = token_match.group(1)
    low = token.lower().rstrip(".")
    opener = (first + rest).lower() in _OPENERS
    if low in _TITLES:
        return False
    if low in _NUMBERED:
        return not first.isdigit()
    if "." in token.rstrip(".") or len(low) == 1 or low in _SOFT:  # U.S., J., Sept.
        return opener and not first.isdigit()
    return True


@lru_cache(maxsize=512)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []
    pos = 0
    for brk in _BLOCK_BREAK.finditer(text):
        blocks.append((pos, brk.start()))
        pos = brk.end()
    blocks.append((pos, len(text)))
    for b_start, b_end in blocks:
        dateline = _DATELINE.match(text, b_start, b_end)
        begin = dateline.end() if dateline and dateline.end() < b_end else b_start
        for end_match in _END.finditer(text, begin, b_end):
            nxt = _NEXT_TOKEN.match(text, end_match.end(), b_end)
            if _ends_sentence(text, end_match.start(), end_match.end(), nxt):
                out.append((begin, end_match.end()))
                begin = end_match.end()
        out.append((begin, b_end))
    spans = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return tuple(spans)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence of ``text``; ``text[start:end]`` is the sentence.

    Line breaks between paragraphs end sentences; abbreviations ("U.S.", "Mr.",
    "Sept.", initials) and closing quotes do not; a dateline opening a paragraph
    ("WARSAW (Sept 4) - ") is left out of its first sentence.

    >>> t = 'He said "we agree." Mr. Smith left.'
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['He said "we agree."', 'Mr. Smith left.']
    """
    return list(_spans(text)) if isinstance(text, str) else []


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact substring of it (see ``sentence_spans``)."""
    return [text[s:e] for s, e in sentence_spans(text)]


_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|,?\s+\b(?:but|though|although|whereas|however)\b,?\s+|\s+[-\u2013\u2014]{1,2}\s+"
    r"(?=(?:but|though|although)\b)",
    re.I,
)


def clause_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at contrast words ("but", "though", ...) and semicolons.

    >>> t = "Rome will not send troops but is open to monitoring."
    >>> [t[s:e] for s, e in clause_spans(t)]
    ['Rome will not send troops', 'is open to monitoring.']
    """
    end = len(text) if end is None else end
    out, pos = [], start
    for brk in _CLAUSE_BREAK.finditer(text, start, end):
        if brk.start() > pos:
            out.append((pos, brk.start()))
        pos = brk.end()
    if end > pos:
        out.append((pos, end))
    return out


def trie_regex(words: Collection[str]) -> str:
    """One regex for many literal words, as a trie: fast, and longest match first."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


# -- numbers -------------------------------------------------------------------

# fmt: off
_UNITS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
])}
# fmt: on
_TENS = {
    w: 10 * i
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_WORDS = sorted([*_UNITS, *_TENS, *_SCALES, "hundred", "dozen"], key=len, reverse=True)
_W = r"\b(?:" + "|".join(_WORDS) + r")(?!\w)"
#: Regex source matching one number in digits or words; embed it in your own patterns.
NUMBER = (
    r"(?:(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\w|,\d)(?:\s+(?i:thousand|million|billion)\b)?"
    r"|(?i:(?:\b(?:half\s+)?a\s+(?=(?:dozen|hundred|thousand|million)\b))?"
    + _W
    + r"(?:(?:\s+and\s+|[\s-]+)"
    + _W
    + r"){0,7}))"
)
_NUMBER = re.compile(NUMBER)
# A cheap test before the full pattern: most sentences hold no number at all.
_MAYBE_NUMBER = re.compile(r"\d|(?i:\b(?:" + trie_regex(_WORDS) + r")\b)")


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number found in a text: ``text[start:end]`` reads ``value``."""

    start: int
    end: int
    value: int
    text: str


def _parse_words(tokens: list[str]) -> int | None:
    total = current = 0
    last = ""
    for tok in tokens:
        if tok in _UNITS:
            kind = "unit" if _UNITS[tok] < 10 else "teen"
            if last in ("unit", "teen") or (kind == "teen" and last == "tens"):
                return None
            current, last = current + _UNITS[tok], kind
        elif tok in _TENS:
            if last in ("unit", "teen", "tens"):
                return None
            current, last = current + _TENS[tok], "tens"
        elif tok in ("hundred", "dozen"):
            if last in ("hundred", "dozen"):
                return None
            current, last = (current or 1) * (100 if tok == "hundred" else 12), tok
        elif tok in _SCALES:
            total, current, last = total + (current or 1) * _SCALES[tok], 0, "scale"
        else:
            return None
    return total + current if last else None


def parse_number(text: str) -> int | None:
    """The integer a number expression reads, or None.

    >>> [parse_number(s) for s in ("26", "15,000", "twenty-six", "a dozen", "1.5 million", "many")]
    [26, 15000, 26, 12, 1500000, None]
    """
    if not isinstance(text, str):
        return None
    s = text.strip().lower().replace("\u2011", "-")
    digits = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s+(thousand|million|billion))?", s)
    if digits:
        value = float(digits.group(1).replace(",", "") + (digits.group(2) or ""))
        value *= _SCALES.get(digits.group(3) or "", 1)
        return int(value) if value == int(value) and value < 10**15 else None
    tokens = [t for t in re.split(r"[\s-]+", s) if t and t not in ("and", "a")]
    if len(tokens) > 12:
        return None
    if tokens[:1] == ["half"]:
        rest = _parse_words(tokens[1:])
        return rest // 2 if rest and rest % 2 == 0 else None
    return _parse_words(tokens)


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in ``text`` ("26", "15,000", "twenty-six", "two dozen").

    >>> [n.value for n in find_numbers("Twenty-six of the 35 countries, a dozen more")]
    [26, 35, 12]
    """
    if not isinstance(text, str) or not _MAYBE_NUMBER.search(text):
        return []
    out = []
    for m in _NUMBER.finditer(text):
        value = parse_number(m.group(0))
        if value is not None:
            out.append(NumberMention(m.start(), m.end(), value, m.group(0)))
    return out


# -- countries -----------------------------------------------------------------

MentionKind = Literal["name", "adjective", "capital", "institution", "leader"]

# Hand tables: what no library provides. Adjectives/demonyms, capitals and
# institutions used for the government, and leaders and ministers by surname.
# fmt: off
_ADJECTIVES = {
    "US": "American Americans", "GB": "British Briton Britons", "FR": "French", "DE": "German Germans",
    "IT": "Italian Italians", "PL": "Polish Poles", "CA": "Canadian Canadians", "RU": "Russian Russians",
    "UA": "Ukrainian Ukrainians", "EE": "Estonian Estonians", "LV": "Latvian Latvians",
    "LT": "Lithuanian Lithuanians", "FI": "Finnish Finns", "SE": "Swedish Swedes",
    "NO": "Norwegian Norwegians", "DK": "Danish Danes", "NL": "Dutch", "BE": "Belgian Belgians",
    "ES": "Spanish Spaniards", "PT": "Portuguese", "CZ": "Czech Czechs", "SK": "Slovak Slovaks Slovakian",
    "HU": "Hungarian Hungarians", "RO": "Romanian Romanians", "BG": "Bulgarian Bulgarians",
    "GR": "Greek Greeks", "TR": "Turkish Turks", "JP": "Japanese", "AU": "Australian Australians",
    "IE": "Irish", "AT": "Austrian Austrians", "CH": "Swiss", "HR": "Croatian Croats",
    "SI": "Slovenian Slovenians", "IS": "Icelandic", "CN": "Chinese", "IN": "Indian",
    "IL": "Israeli Israelis", "IR": "Iranian Iranians", "BY": "Belarusian Belarusians",
    "MD": "Moldovan Moldovans", "GE": "Georgian Georgians", "ID": "Indonesian Indonesians",
    "KR": "South_Korean", "KP": "North_Korean", "CY": "Cypriot", "MT": "Maltese", "AL": "Albanian",
    "MK": "North_Macedonian", "ME": "Montenegrin", "RS": "Serbian Serbs", "AZ": "Azerbaijani",
    "AM": "Armenian", "KZ": "Kazakh", "QA": "Qatari", "SA": "Saudi", "AE": "Emirati", "NZ": "New_Zealander",
    "LU": "Luxembourgish", "BR": "Brazilian", "MX": "Mexican", "EG": "Egyptian", "SY": "Syrian",
}
# fmt: on
# fmt: off
_CAPITALS = {
    "DE": "Berlin", "US": "Washington", "RU": "Moscow", "IT": "Rome", "PL": "Warsaw", "CA": "Ottawa",
    "GB": "London", "FR": "Paris", "UA": "Kyiv Kiev", "EE": "Tallinn", "LV": "Riga", "LT": "Vilnius",
    "FI": "Helsinki", "SE": "Stockholm", "NO": "Oslo", "DK": "Copenhagen", "NL": "The_Hague",
    "ES": "Madrid", "PT": "Lisbon", "CZ": "Prague", "SK": "Bratislava", "HU": "Budapest", "RO": "Bucharest",
    "GR": "Athens", "TR": "Ankara", "JP": "Tokyo", "AU": "Canberra", "CN": "Beijing", "BY": "Minsk",
    "IR": "Tehran", "IE": "Dublin", "AT": "Vienna", "MD": "Chisinau", "GE": "Tbilisi", "KP": "Pyongyang",
}
# fmt: on
# fmt: off
_INSTITUTIONS = {
    "RU": "Kremlin", "US": "White_House Pentagon State_Department", "GB": "Downing_Street Whitehall",
    "FR": "Elysee \u00c9lys\u00e9e Quai_d'Orsay", "DE": "Bundestag Bundeswehr",
}
# fmt: on
# fmt: off
_LEADERS = {
    "DE": "Merz Scholz Pistorius Wadephul Steinmeier", "IT": "Meloni Tajani Crosetto Mattarella",
    "GB": "Starmer Healey Lammy Sunak", "FR": "Macron Barrot Lecornu Bayrou",
    "PL": "Tusk Sikorski Nawrocki Duda",
    "RU": "Putin Lavrov Peskov Zakharova Medvedev Ushakov Shoigu Ryabkov Nebenzia Belousov Dmitriev",
    "US": "Trump Biden Rubio Vance Hegseth Witkoff Kellogg", "CA": "Carney Trudeau",
    "UA": "Zelenskyy Zelensky Zelenskiy Sybiha Yermak Umerov Shmyhal Svyrydenko", "DK": "Frederiksen",
    "SE": "Kristersson", "FI": "Stubb Orpo", "NL": "Schoof", "TR": "Erdogan Erdo\u011fan",
    "HU": "Orban Orb\u00e1n", "SK": "Fico", "GR": "Mitsotakis", "AU": "Albanese", "BY": "Lukashenko",
    "EE": "Tsahkna", "LT": "Nauseda Naus\u0117da", "LV": "Rinkevics Rinkevi\u010ds", "CN": "Xi_Jinping",
    "KP": "Kim_Jong_Un",
}
# fmt: on
# fmt: off
_ALIASES = {
    "GB": "Britain Great_Britain UK U.K. United_Kingdom", "US": "US U.S. U.S.A. USA United_States",
    "RU": "Russia", "CZ": "Czech_Republic", "TR": "Turkey", "NL": "Holland", "CI": "Ivory_Coast",
    "VA": "Vatican", "CD": "DRC DR_Congo Democratic_Republic_of_the_Congo", "BN": "Brunei",
    "CV": "Cape_Verde", "MM": "Burma", "TL": "East_Timor", "AE": "UAE", "MK": "Macedonia",
}
# fmt: on
_DROP = {"Jersey"}  # "New Jersey" is news more often than the island


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _build_table() -> dict[str, tuple[str, MentionKind]]:
    table: dict[str, tuple[str, MentionKind]] = {}
    second: dict[str, set[str]] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if not value:
                continue
            for form in {value, _fold(value)}:
                if "," in form:
                    second.setdefault(form.split(",")[0].strip(), set()).add(c.alpha_2)
                else:
                    table.setdefault(form, (c.alpha_2, "name"))
    for form, codes in second.items():
        if len(codes) == 1 and form not in table:
            table[form] = (codes.pop(), "name")
    for source, kind in (
        (_ALIASES, "name"), (_ADJECTIVES, "adjective"), (_CAPITALS, "capital"),
        (_INSTITUTIONS, "institution"), (_LEADERS, "leader"),
    ):  # fmt: skip
        for code, words in source.items():
            for word in words.split():
                table[word.replace("_", " ")] = (code, kind)  # type: ignore[assignment]
    for word in _DROP:
        table.pop(word, None)
    return table


_TABLE = _build_table()
_LOWER_TABLE = {k.lower(): v for k, v in _TABLE.items()}
_COUNTRY = re.compile(r"(?<!\w)(?:" + trie_regex(_TABLE) + r")(?![\w\u2019]*\w)")


@dataclass(frozen=True, slots=True)
class CountryMention:
    """A country named in a text: ``text[start:end]`` is ``text``, ``code`` its ISO alpha-2."""

    code: str
    start: int
    end: int
    text: str
    kind: MentionKind


@lru_cache(maxsize=2048)
def _countries(text: str) -> tuple[CountryMention, ...]:
    out = []
    for m in _COUNTRY.finditer(text):
        code, kind = _TABLE[m.group(0)]
        out.append(CountryMention(code, m.start(), m.end(), m.group(0), kind))
    return tuple(out)


@lru_cache(maxsize=2048)
def _starts(text: str) -> tuple[int, ...]:
    return tuple(m.start for m in _countries(text))


def find_countries(text: str, start: int = 0, end: int | None = None) -> list[CountryMention]:
    """Countries named in ``text`` by name, adjective, capital, institution or leader.

    Matching is case-sensitive ("US" is a country, "us" is not). With ``start``
    and ``end`` only the mentions inside ``text[start:end]`` are returned (their
    positions stay relative to ``text``; the whole text is scanned once and cached).

    >>> [(m.text, m.code, m.kind) for m in find_countries("the Kremlin and U.S. President Trump")]
    [('Kremlin', 'RU', 'institution'), ('U.S.', 'US', 'name'), ('Trump', 'US', 'leader')]
    """
    if not isinstance(text, str):
        return []
    mentions, starts = _countries(text), _starts(text)
    end = len(text) if end is None else end
    lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
    return [m for m in mentions[lo:hi] if m.end <= end]


def country_names() -> dict[str, tuple[str, MentionKind]]:
    """Every name this module knows for a government: ``{"Berlin": ("DE", "capital"), ...}``."""
    return dict(_TABLE)


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name, adjective, capital or leader; None if unknown.

    >>> country_code("Britain"), country_code("italian"), country_code("Kremlin"), country_code("Atlantis")
    ('GB', 'IT', 'RU', None)
    """
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    hit = _TABLE.get(name) or _LOWER_TABLE.get(name.lower())
    if hit:
        return hit[0]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except (LookupError, AttributeError):
        return None


_LOCATION_BEFORE = re.compile(
    r"\b(?:in|at|to|into|from|near|inside|outside|across|over|via|toward|towards|through|throughout|within"
    r"|on|around|visiting|visited)\s+(?:the\s+)?$",
    re.I,
)
_EVENT_AFTER = re.compile(
    r"['\u2019]?\s+(?:talks|summit|meeting|conference|declaration|agreements?|accords?|memorandum|format|process"
    r"|airport|embassy|correspondent|bureau|office|Post|Times|Journal)\b"
)


def is_location(text: str, mention: CountryMention) -> bool:
    """Whether a mention names a place ("in Paris", "the Paris summit"), not a government acting.

    >>> t = "Berlin said so in Warsaw after the Paris talks"
    >>> [is_location(t, m) for m in find_countries(t)]
    [False, True, True]
    """
    if mention.kind in ("leader", "institution", "adjective"):
        return False
    if _LOCATION_BEFORE.search(text, max(0, mention.start - 20), mention.start):
        return True
    return bool(_EVENT_AFTER.match(text, mention.end))


# -- negation, hedging, conditions, attribution ---------------------------------

_NEGATION = re.compile(
    r"\b(?:not|no|never|nor|neither|cannot|refus\w*|declin\w*|reject\w*|rul(?:e|es|ed|ing) out"
    r"|den(?:y|ies|ied)|unwilling|no longer|(?:has|have|had) yet to)\b|n't\b",
    re.I,
)
_DOUBLE_NEGATION = re.compile(
    r"\b(?:not|never)\s+(?:\w+\s+)?(?:rul\w* out|exclud\w*)|n't\s+(?:\w+\s+)?rul\w* out", re.I
)
_HEDGE = re.compile(
    r"\b(?:could|might|(?-i:may)|possibly|perhaps|maybe|likely|unlikely|reportedly|speculat\w*|rumou?r\w*"
    r"|consider(?:s|ed|ing)?|weigh(?:s|ed|ing)|mull(?:s|ed|ing)?|hopes?|hoped|hoping|expect(?:s|ed|ing)?"
    r"|analysts?|potentially|hypothetical\w*|in theory|would like)\b",
    re.I,
)
_PREMISE = (
    r"(?:a |the |any )?(?:ceasefire|truce|peace|settlement|deal|(?:war|fighting|hostilities|conflict) "
    r"(?:ends|stops|is over))"
)
_CONDITION = re.compile(
    r"\bonly\s+(?:if|when|once|after|with|under|in)\b|\bprovided\b|\bproviding that\b|\bon (?:the )?condition\b"
    r"|\bconditional (?:on|upon)\b|\bconditioned on\b|\bdepend(?:s|ing|ent)? (?:on|upon)\b|\bsubject to\b"
    r"|\bunless\b|\bas long as\b|\brequir(?:e|es|ed|ing)\b|\bin (?:exchange|return) for\b|\bmandate\b"
    r"|\bapproval\b|\bvote (?:in|by|of)\b|\bdecide later\b|\bif\b(?!\s+" + _PREMISE + r")",
    re.I,
)
_COMMENTARY = re.compile(
    r"\b(?:opposition|analysts?|experts?|critics?|commentators?|columnists?|editorial|op-ed|think[- ]tank"
    r"|pundits?|observers?|former (?:president|prime minister|minister|chancellor|leader|general|commander"
    r"|ambassador|official))\b",
    re.I,
)


def _window(text: str, start: int, end: int | None) -> str:
    return text[start:end] if isinstance(text, str) else ""


def is_negated(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` is negated ("would not send", "ruled out", "no explicit commitment").

    "has not ruled out" cancels itself out.

    >>> is_negated("Trump has made no explicit commitment"), is_negated("Paris has not ruled out troops")
    (True, False)
    """
    span = _window(text, start, end)
    cues = len(_NEGATION.findall(span)) - 2 * len(_DOUBLE_NEGATION.findall(span))
    return cues > 0


def is_hedged(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` speculates ("could", "might", "analysts expect", "is expected to").

    >>> is_hedged("Italy might consider it"), is_hedged("Italy will send troops")
    (True, False)
    """
    return bool(_HEDGE.search(_window(text, start, end)))


def has_condition(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` ties something to a condition ("only when", "a Bundestag mandate").

    A ceasefire or peace deal as the premise ("once a ceasefire holds") is not a condition.

    >>> has_condition("it would decide only when conditions were clear"), has_condition("once a ceasefire holds")
    (True, False)
    """
    return bool(_CONDITION.search(_window(text, start, end)))


def is_commentary(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` voices opposition, analysts or commentators, not a government.

    >>> is_commentary("Experts noted the risk"), is_commentary("Merz said so")
    (True, False)
    """
    return bool(_COMMENTARY.search(_window(text, start, end)))


# -- who does it ------------------------------------------------------------------

_NOT_AGENT_BEFORE = re.compile(
    r"\b(?:for|with|against|than|alongside|between|about|like|including|among|from|to|in|on|into|over|at"
    r"|toward|towards|by helping)\s+(?:the\s+|a\s+|an\s+)?$",
    re.I,
)
_TITLE_BEFORE = re.compile(r"(?:\b[A-Z][\w.'\u2019-]*\s+){1,5}$")
_POSSESSIVE = re.compile(
    r"['\u2019]s?\s+(?![A-Z])(?!(?:government|leader|president|prime|chancellor|foreign|defen[cs]e|military"
    r"|armed|army|troops|soldiers|forces|officials|cabinet|parliament|ministry|spokes\w+|envoy|embassy)\b)"
)
_SAME_ENTITY_GAP = re.compile(r"(?:['\u2019]s)?(?:\s+[A-Z][\w.'\u2019-]*){0,5}\s+")
_COORDINATION = re.compile(r"\s*(?:,\s*)?(?:and|&|as well as|,)\s+(?:the\s+)?|\s*,\s*", re.I)
_REPORTING = re.compile(
    r"\b(?:said|says|say|saying|told|tells|added|adds|noted|notes|stressed|announced|announces|argued|insisted"
    r"|insists|warned|warns|claimed|claims|stated|declared|declares|indicated|indicates|signall?ed|signals"
    r"|suggested|made clear|makes clear|confirmed|confirms|according to|believes?|thinks?|wrote|writes"
    r"|reported|explained|repeated|repeats|reiterated|reiterates|emphasi[sz]ed|acknowledged|admitted)\b",
    re.I,
)
_AFTER_REPORTING = re.compile(
    r"\s*,?\s*(?:(?:on|last|this|earlier|later|also|again|repeatedly|publicly|firmly|that)\s+|\w+day\s+)*"
    r"(?:(?:he|she|it|they|we|i|his|her|its|their|the government|the country)\b|$)",
    re.I,
)
_NEW_SUBJECT = re.compile(r"\b(?:countries|nations|allies|governments|partners|others|leaders)\b", re.I)


def _is_agent(text: str, m: CountryMention) -> bool:
    """A mention that can act: not a place, not "Poland's neighbours", not "talks with Russian President X"."""
    if is_location(text, m) or _POSSESSIVE.match(text, m.end):
        return False
    lead = m.start
    title = _TITLE_BEFORE.search(text, max(0, lead - 60), lead)
    if title:  # "between Russian President Vladimir Putin": look before the title words
        lead = title.start()
    return not _NOT_AGENT_BEFORE.search(text, max(0, lead - 24), lead)


def subject_of(
    text: str, pos: int, *, start: int = 0, exclude: Collection[str] = (), agents_only: bool = True
) -> list[str]:
    """Codes of the countries acting as the subject of the phrase at ``text[pos:]``.

    Looks back from ``pos`` (not before ``start``) for the nearest country that
    acts (not "in Warsaw", "for Ukraine", "Poland's neighbours"), with the
    countries coordinated with it ("France and Britain"). When that nearest
    country is in ``exclude`` the answer is empty. A reporting verb in
    between that introduces someone else ("Macron said 26 countries ...") gives
    nothing; one followed by a pronoun ("Berlin said it would ...") does not.

    >>> t = "Tusk said on Thursday that Poland would not deploy soldiers"
    >>> subject_of(t, t.index("would"))
    ['PL']
    >>> t = "France and Britain, which co-chair the coalition, said they are ready"
    >>> subject_of(t, t.index("ready"))
    ['FR', 'GB']
    """
    if not isinstance(text, str):
        return []
    window = find_countries(text, max(start, pos - 300), pos)
    found = [m for m in window if not agents_only or _is_agent(text, m)]
    if not found or found[-1].code in exclude:
        return []
    groups: list[list[CountryMention]] = []
    for m in found:
        if (
            groups
            and groups[-1][-1].code == m.code
            and _SAME_ENTITY_GAP.fullmatch(text, groups[-1][-1].end, m.start)
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    gap_start = groups[-1][-1].end
    gap = text[gap_start:pos]
    reporting = list(_REPORTING.finditer(gap))
    if reporting and not _AFTER_REPORTING.match(gap, reporting[-1].end()):
        return []
    if _NEW_SUBJECT.search(gap):
        return []
    chosen = [groups[-1]]
    for group in reversed(groups[:-1]):
        if not _COORDINATION.fullmatch(text, group[-1].end, chosen[0][0].start):
            break
        chosen.insert(0, group)
    codes: list[str] = []
    for group in chosen:
        if group[0].code not in codes and group[0].code not in exclude:
            codes.append(group[0].code)
    return codes
