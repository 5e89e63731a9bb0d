"""Stories without code: follow a simple story thread from a TOML file.

Every ``*.toml`` file in ``config/stories/`` of the project is one story, and
so is every file (or ``*.toml`` in every folder) listed in
``config/monitor.toml``::

    [plugins.stories]
    paths = ["docs/examples/stories/eu-us-trade.toml", "more-stories/"]

Each story becomes one extractor, named after the story. A story file::

    name = "eu_us_trade"          # the extractor's name, unique
    topic = "eu_us_trade"         # first part of every key: topic.subject.attribute
    requires = ["tariff*", "trade (deal|agreement)"]   # the article must say one of these
    excludes = ["China", "Canada"]                     # a sentence saying one of these is skipped
    confidence = 0.8              # optional default for every pattern

    [entities.parties]            # who can be a subject: code = [names and aliases]
    EU = ["European Union", "EU", "Brussels", "the Commission"]
    US = ["United States", "U.S.", "Washington", "Trump"]
    # countries = true            # also recognise every country (ISO codes, monitor.text)

    [[facts]]
    attribute = "us_tariff"
    kind = "state"                # "state" (one current value) or "event" (append-only)
    type = "int"                  # "int", "str", "enum" or "list"
    label = "EU-US trade: US tariff on EU goods (%)"
    subject = "deal"              # fixed, or "entity:<list>", or "country"
    patterns = ["tariffs? of {number} ?% on ... EU goods"]
    min = 0                       # ints outside min..max are ignored
    max = 200

    [[facts]]
    attribute = "deal_stance"
    kind = "state"
    type = "enum"
    label = "EU-US trade deal: stance of each side"
    subject = "entity:parties"
    [facts.values]                # weakest to strongest, each with its phrases
    rejects = ["{subject} (will|would) not sign"]
    negotiating = ["{subject} ... (negotiating|in talks)"]
    signed = ["{subject} ... (signs|signed) ... (deal|agreement)"]

**Patterns** (``patterns``, enum phrases, ``requires``, ``excludes``) are
words matched case-insensitively on whole words, with a little syntax:
``(a|b)`` alternatives, ``?`` makes the letter or group before it optional
(``tariffs?``, ``(has )?``, `` ?%`` an optional space), ``word*`` any ending
(``negotiat*``), ``...`` up to four words in between, ``\\`` takes the next
character literally. Placeholders: ``{subject}`` an entity of the fact's list
(the claim's subject); ``{number}`` a number in digits or words
("15", "15,000", "twenty-six") for ``int`` facts; ``{value}`` up to six words
(to the next punctuation) or ``{name}`` capitalised words, for ``str`` facts;
``{items}`` the stretch holding a ``list`` fact's items. Each at most once per
pattern. A pattern is a string or ``{pattern = "...", confidence = 0.9}``.

**Values by type**: ``int`` from ``{number}`` (a range like "10-15%" gives
nothing); ``str`` from ``{value}``/``{name}``, or a fixed ``value = "..."``
whenever a pattern matches; ``enum`` from the ``[facts.values]`` table (set
``ordered = false`` when the values have no order); ``list`` the sorted items
found in ``{items}``: ``items = "country"``, ``items = "entity:<list>"``, or a
table of item ids and their phrases (``[facts.items]``).

**Subjects**: with ``{subject}`` in the pattern the entity it matched (and
the ones coordinated with it: "the EU and the US"); without it the nearest
entity before the match in the sentence ("country" uses monitor.text's
``subject_of``, which also knows capitals, leaders and adjectives).

**What gives no claim**: an article without any ``requires`` phrase; a
sentence with an ``excludes`` phrase; a match whose surrounding words negate
it ("has *not* signed", or a ``...`` gap holding "not") - a phrase's own
words may be negative ("(will|would) not sign"), that is what it says; a
hedged, second-hand or conditional clause ("could", "might", "analysts expect",
"is expected to", "..., analysts said", "if Brussels agrees"). In one sentence each key keeps its
most confident match, then the strongest enum value; in one article, the first
most confident sentence. The evidence is the sentence itself.

A bad story file is reported in one line - the file, its line, the key and
the problem - and the other stories still load. See ``docs/stories.md``.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor import Article, Claim, ConfigError, Extractor, FactSpec, PluginSettings, hookimpl
from monitor import text as T

__all__ = ["Story", "StoryExtractor", "load_story", "register_extractors", "story_files"]

log = logging.getLogger(__name__)

PLUGIN = "stories"
STORY_DIR = Path("config/stories")
OPTIONS = {"paths": "story files or folders of *.toml, relative to the project folder"}
KINDS = ("state", "event")
TYPES = ("int", "str", "enum", "list")
DEFAULT_CONFIDENCE = 0.8
MAX_CHARS = 200_000
_STORY_KEYS = ("name", "topic", "description", "requires", "excludes", "confidence", "entities", "facts")
_FACT_KEYS = {
    "common": ("attribute", "kind", "type", "label", "subject", "confidence"),
    "int": ("patterns", "min", "max"),
    "str": ("patterns", "value"),
    "enum": ("values", "ordered"),
    "list": ("patterns", "items"),
}
_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{0,63}$")
_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CODE = re.compile(r"^[A-Za-z0-9][\w-]{0,63}$")

Where = tuple[str | int, ...]


class _Problem(Exception):
    """A problem in a story file at a key path, e.g. ``("facts", 2, "type")``."""

    def __init__(self, where: Where, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _key_text(where: Where) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# -- the pattern language ------------------------------------------------------------

_WORD = r"(?:[^\s,.;:!?()\[\]\"\u201c\u201d]|\.(?=\w))"
_CAPS = r"[A-Z][\w.'\u2019-]*"
_COUNTRYISH = rf"(?-i:(?:{_CAPS}[ \t]+){{0,3}}{_CAPS})"
_SLOTS = {
    "number": f"(?P<number>{T.NUMBER})",
    "value": rf"(?P<value>{_WORD}+(?:[ \t]+{_WORD}+){{0,5}})",
    "name": rf"(?-i:(?P<value>[A-Z]{_WORD}*(?:[ \t]+(?:(?:of|de|del|der|van|von|la|le|the)[ \t]+)?[A-Z]{_WORD}*){{0,4}}))",
    "items": r"(?P<items>[^.;:!?]{1,200})",
}
_LEX = re.compile(
    r"\\(?P<esc>.)|\{(?P<slot>[^{}]*)\}|(?P<gap>\s*\.\.\.\s*)|(?P<optspace>\s+\?)|(?P<space>\s+)"
    r"|(?P<star>\*)|(?P<quote>['\u2019])|(?P<syntax>[()|?])|(?P<brace>[{}])|(?P<char>.)",
    re.S,
)


def _braced(name: str) -> str:
    return "{" + name + "}"


def compile_pattern(source: str, allowed: Mapping[str, str]) -> re.Pattern[str]:
    """Translate one story pattern into a compiled regex; ValueError says what is wrong.

    ``allowed`` maps each placeholder the pattern may use to its regex.
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError("must be a non-empty string")
    text = source.strip()
    if text.startswith("...") or text.endswith("..."):
        raise ValueError(f"{source!r}: '...' stands between two words")
    parts, used, gaps = [], set(), 0
    for tok in _LEX.finditer(text):
        kind, lexeme = tok.lastgroup, tok.group(tok.lastgroup or 0)
        if kind == "esc":
            parts.append(re.escape(lexeme))
        elif kind == "slot":
            if lexeme not in allowed:
                names = ", ".join(_braced(n) for n in allowed) or "no placeholders"
                raise ValueError(f"{source!r}: {{{lexeme}}} cannot be used here (allowed: {names})")
            if lexeme in used:
                raise ValueError(f"{source!r}: {{{lexeme}}} may appear only once")
            used.add(lexeme)
            parts.append(allowed[lexeme])
        elif kind == "gap":
            parts.append(rf"\s+(?P<gap{gaps}>(?:[^\s;:]+\s+){{0,4}}?)")
            gaps += 1
        elif kind == "optspace":
            parts.append(r"\s*")
        elif kind == "space":
            parts.append(r"\s+")
        elif kind == "star":
            if tok.start() == 0 or not text[tok.start() - 1].isalnum():
                raise ValueError(f"{source!r}: '*' must end a word, as in 'negotiat*'")
            parts.append(r"\w*")
        elif kind == "quote":
            parts.append("['\u2019]")
        elif kind == "syntax":
            parts.append("(?:" if lexeme == "(" else lexeme)
        elif kind == "brace":
            raise ValueError(f"{source!r}: unbalanced '{lexeme}' (placeholders are written {{number}})")
        else:
            parts.append(re.escape(lexeme))
    try:
        return re.compile(r"(?<!\w)(?:" + "".join(parts) + r")(?!\w)", re.I)
    except re.error as exc:
        raise ValueError(f"{source!r}: {exc.msg}") from None


# -- entities ---------------------------------------------------------------------------


def _fold(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split()).casefold()


def _alias_regex(alias: str) -> str:
    """Case-sensitive but for the first letter: "the Commission" matches "The Commission", "US" not "us"."""

    def literal(word: str) -> str:
        return "".join("['\u2019]" if ch in "'\u2019" else re.escape(ch) for ch in word)

    words = alias.split()
    first = words[0]
    head = (
        f"[{re.escape(first[0].upper())}{re.escape(first[0].lower())}]"
        if first[0].isalpha()
        else literal(first[0])
    )
    body = head + literal(first[1:]) + "".join(r"\s+" + literal(w) for w in words[1:])
    return rf"(?-i:(?<!\w){body}(?!\w))"


@dataclass(frozen=True)
class Entities:
    """One entity list: codes and their aliases, and whether countries count too."""

    name: str
    codes: tuple[str, ...]
    aliases: Mapping[str, str]  # folded alias -> code
    countries: bool
    pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, name: str, codes: Mapping[str, Sequence[str]], countries: bool) -> Entities:
        aliases = {_fold(a): code for code, names in codes.items() for a in names}
        ordered = sorted({a for names in codes.values() for a in names}, key=len, reverse=True)
        pattern = re.compile("|".join(_alias_regex(a) for a in ordered), re.I) if ordered else None
        return cls(name, tuple(codes), aliases, countries, pattern)

    @property
    def subject_regex(self) -> str:
        alternatives = [self.pattern.pattern] if self.pattern else []
        if self.countries:
            alternatives.append(_COUNTRYISH)
        return "(?P<subject>" + "|".join(alternatives) + ")"

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The subjects a FactSpec may accept; None when any country may come."""
        return None if self.countries else self.codes

    def mentions(
        self, text: str, start: int = 0, end: int | None = None, *, agents: bool = False
    ) -> list[tuple[int, int, str]]:
        """``(start, end, code)`` of every mention in ``text[start:end]``, in order.

        With ``agents`` a country named as a place ("in Paris") is left out.
        """
        end = len(text) if end is None else end
        found = []
        if self.pattern:
            found += [
                (m.start(), m.end(), self.aliases[_fold(m.group(0))])
                for m in self.pattern.finditer(text, start, end)
            ]
        if self.countries:
            found += [
                (c.start, c.end, c.code)
                for c in T.find_countries(text)
                if start <= c.start and c.end <= end and not (agents and T.is_location(text, c))
            ]
        kept: list[tuple[int, int, str]] = []
        for mention in sorted(found, key=lambda f: (f[0], -f[1])):
            if not kept or mention[0] >= kept[-1][1]:  # an alias and a country on the same words count once
                kept.append(mention)
        return kept


_COORDINATION = re.compile(r"\s*(?:,|,?\s+and|,?\s*&|\s+as well as)\s+(?:the\s+)?$", re.I)


def _with_coordinated(sentence: str, found: list[tuple[int, int, str]], chosen: int) -> list[str]:
    """The chosen mention's code plus those coordinated before it ("the EU and the US")."""
    codes = [found[chosen][2]]
    index = chosen
    while index > 0 and _COORDINATION.fullmatch(sentence, found[index - 1][1], found[index][0]):
        index -= 1
        if found[index][2] not in codes:
            codes.insert(0, found[index][2])
    return codes


# -- a story, validated -----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One compiled pattern: what it gives (an enum value or a fixed string) and how surely."""

    regex: re.Pattern[str]
    confidence: float
    value: str | None = None
    rank: int = 0


@dataclass(frozen=True)
class Fact:
    spec: FactSpec
    subject: str | Entities
    rules: tuple[Rule, ...]
    items: Entities | tuple[tuple[str, re.Pattern[str]], ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Story:
    name: str
    topic: str
    source: str
    facts: tuple[Fact, ...]
    requires: tuple[re.Pattern[str], ...] = ()
    excludes: tuple[re.Pattern[str], ...] = ()
    description: str = ""

    def about(self, content: str) -> bool:
        return not self.requires or any(p.search(content) for p in self.requires)

    def excluded(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.excludes)


def _string(
    table: Mapping[str, Any], key: str, where: Where, rule: re.Pattern[str] | None = None, hint: str = ""
) -> str:
    if key not in table:
        raise _Problem((*where, key), f"missing{'; ' + hint if hint else ''}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _Problem((*where, key), "must be a non-empty string")
    if rule and not rule.match(value):
        raise _Problem((*where, key), f"{value!r} is not allowed: {hint}")
    return value.strip()


def _choice(table: Mapping[str, Any], key: str, where: Where, choices: Sequence[str]) -> str:
    if key not in table:
        raise _Problem((*where, key), f"missing; one of {', '.join(choices)}")
    value = table[key]
    if value not in choices:
        raise _Problem((*where, key), f"{value!r} is not one of {', '.join(choices)}")
    return value


def _confidence(table: Mapping[str, Any], where: Where, default: float) -> float:
    value = table.get("confidence", default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise _Problem((*where, "confidence"), f"{value!r} is not a number above 0 and at most 1")
    return float(value)


def _known_keys(table: Mapping[str, Any], allowed: Sequence[str], where: Where, why: str = "") -> None:
    for key in table:
        if key not in allowed:
            raise _Problem((*where, key), f"unknown key{why}; known: {', '.join(allowed)}")


def _list(table: Mapping[str, Any], key: str, where: Where, *, required: bool = False) -> list[Any]:
    if key not in table:
        if required:
            raise _Problem((*where, key), "missing; a list of patterns")
        return []
    value = table[key]
    if not isinstance(value, list) or (required and not value):
        raise _Problem((*where, key), "must be a non-empty list" if required else "must be a list")
    return value


def _rules(items: Sequence[Any], where: Where, allowed: Mapping[str, str], default: float, *,
           value: str | None = None, rank: int = 0, need: Sequence[str] = ()) -> list[Rule]:  # fmt: skip
    """Compile a list of patterns, each a string or ``{pattern, confidence}``."""
    rules = []
    for index, item in enumerate(items):
        at = (*where, index)
        confidence = default
        if isinstance(item, dict):
            _known_keys(item, ("pattern", "confidence"), at)
            confidence = _confidence(item, at, default)
            item = _string(item, "pattern", at)
        if not isinstance(item, str):
            raise _Problem(at, 'must be a pattern string or {pattern = "...", confidence = 0.9}')
        try:
            regex = compile_pattern(item, allowed)
        except ValueError as exc:
            raise _Problem(at, str(exc)) from None
        if need and not any(f"(?P<{n}>" in regex.pattern for n in need):
            raise _Problem(at, f"{item!r} needs {' or '.join(_braced(n) for n in need)}")
        rules.append(Rule(regex, confidence, value, rank))
    return rules


def _phrases(value: Any, where: Where) -> tuple[re.Pattern[str], ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Problem(where, "must be a list of phrases")
    return tuple(r.regex for r in _rules(value, where, {}, 1.0))


def _entities(data: Any, where: Where) -> dict[str, Entities]:
    if not isinstance(data, dict):
        raise _Problem(where, "must be a table of entity lists: [entities.<list>]")
    lists: dict[str, Entities] = {}
    for name, table in data.items():
        at = (*where, name)
        if not _IDENT.match(name):
            raise _Problem(at, "list names are lowercase letters, digits and _")
        if not isinstance(table, dict):
            raise _Problem(at, f'must be a table: [entities.{name}] with CODE = ["name", ...]')
        countries = table.get("countries", False)
        if not isinstance(countries, bool):
            raise _Problem((*at, "countries"), "must be true or false")
        codes: dict[str, list[str]] = {}
        seen: dict[str, str] = {}
        for code, names in table.items():
            if code == "countries":
                continue
            if not _CODE.match(code):
                raise _Problem((*at, code), "codes are letters, digits, '-' and '_'")
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(n, str) and n.strip() for n in names)
            ):
                raise _Problem((*at, code), "must be a non-empty list of names")
            for alias in names:
                if _fold(alias) in seen and seen[_fold(alias)] != code:
                    raise _Problem((*at, code), f"{alias!r} already names {seen[_fold(alias)]}")
                seen[_fold(alias)] = code
            codes[code] = [n.strip() for n in names]
        if not codes and not countries:
            raise _Problem(at, 'empty: give CODE = ["name", ...] entries, or countries = true')
        lists[name] = Entities.build(name, codes, countries)
    return lists


def _subject(table: Mapping[str, Any], where: Where, lists: Mapping[str, Entities]) -> str | Entities:
    subject = _string(table, "subject", where, hint="a fixed subject, 'country' or 'entity:<list>'")
    if subject == "country":
        return Entities.build("country", {}, True)
    if subject.startswith("entity:"):
        name = subject.removeprefix("entity:")
        if name not in lists:
            known = ", ".join(f"entity:{n}" for n in lists) or "none defined"
            raise _Problem(
                (*where, "subject"), f"no entity list {name!r} (define [entities.{name}]; known: {known})"
            )
        return lists[name]
    if not _CODE.match(subject):
        raise _Problem((*where, "subject"), f"{subject!r} is not a subject: letters, digits, '-' and '_'")
    return subject


def _items(
    table: Mapping[str, Any], where: Where, lists: Mapping[str, Entities]
) -> Entities | tuple[tuple[str, re.Pattern[str]], ...]:
    if "items" not in table:
        raise _Problem(
            (*where, "items"), "missing; 'country', 'entity:<list>' or a table of item = [phrases]"
        )
    items = table["items"]
    if isinstance(items, str):
        if items == "country":
            return Entities.build("country", {}, True)
        name = items.removeprefix("entity:")
        if not items.startswith("entity:") or name not in lists:
            known = ", ".join(f"entity:{n}" for n in lists) or "no entity lists defined"
            raise _Problem(
                (*where, "items"), f"{items!r} is not 'country' or a defined entity list ({known})"
            )
        return lists[name]
    if not isinstance(items, dict) or not items:
        raise _Problem((*where, "items"), "must be 'country', 'entity:<list>' or a table of item = [phrases]")
    out = []
    for item, phrases in items.items():
        if not _CODE.match(item):
            raise _Problem((*where, "items", item), "item ids are letters, digits, '-' and '_'")
        out += [(item, p) for p in _phrases(phrases, (*where, "items", item))]
    return tuple(out)


def _fact(table: Any, where: Where, topic: str, lists: Mapping[str, Entities], default: float) -> Fact:
    if not isinstance(table, dict):
        raise _Problem(where, "must be a table: [[facts]]")
    attribute = _string(table, "attribute", where, _IDENT, "lowercase letters, digits and _")
    kind = _choice(table, "kind", where, KINDS)
    type_ = _choice(table, "type", where, TYPES)
    _known_keys(table, (*_FACT_KEYS["common"], *_FACT_KEYS[type_]), where, f" for type = {type_!r}")
    label = _string(table, "label", where, hint="the fact in words, shown in alerts")
    subject = _subject(table, where, lists)
    confidence = _confidence(table, where, default)
    slots = {"subject": subject.subject_regex} if isinstance(subject, Entities) else {}
    allowed = subject.allowed if isinstance(subject, Entities) else (subject,)
    common = {"label": label, "subjects": allowed}
    if type_ == "enum":
        return _enum_fact(table, where, topic, attribute, kind, subject, slots, confidence, common)
    patterns = _list(table, "patterns", where, required=True)
    if type_ == "int":
        bounds = [table.get(k) for k in ("min", "max")]
        for key, bound in zip(("min", "max"), bounds, strict=True):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
                raise _Problem((*where, key), "must be a whole number")
        rules = _rules(
            patterns, (*where, "patterns"), {**slots, "number": _SLOTS["number"]}, confidence, need=["number"]
        )
        spec = FactSpec(topic, attribute, kind, "int", **common)
        return Fact(spec, subject, tuple(rules), minimum=bounds[0], maximum=bounds[1])
    if type_ == "str":
        fixed = table.get("value")
        if fixed is not None and not (isinstance(fixed, str) and 0 < len(fixed.strip()) <= 200):
            raise _Problem((*where, "value"), "must be a short non-empty string")
        value_slots = {} if fixed else {"value": _SLOTS["value"], "name": _SLOTS["name"]}
        need = () if fixed else ("value",)
        rules = _rules(
            patterns, (*where, "patterns"), {**slots, **value_slots}, confidence, value=fixed, need=need
        )
        return Fact(FactSpec(topic, attribute, kind, "str", **common), subject, tuple(rules))
    items = _items(table, where, lists)
    rules = _rules(
        patterns, (*where, "patterns"), {**slots, "items": _SLOTS["items"]}, confidence, need=["items"]
    )
    ids = (items.allowed or ()) if isinstance(items, Entities) else tuple(dict.fromkeys(i for i, _ in items))
    return Fact(
        FactSpec(topic, attribute, kind, "list", values=ids, **common), subject, tuple(rules), items=items
    )


def _enum_fact(table: Mapping[str, Any], where: Where, topic: str, attribute: str, kind: str,
               subject: str | Entities, slots: Mapping[str, str], confidence: float,
               common: Mapping[str, Any]) -> Fact:  # fmt: skip
    values = table.get("values")
    if not isinstance(values, dict) or not values:
        raise _Problem((*where, "values"), "missing; a table of value = [phrases], weakest first")
    ordered = table.get("ordered", True)
    if not isinstance(ordered, bool):
        raise _Problem((*where, "ordered"), "must be true or false")
    rules: list[Rule] = []
    for rank, (value, phrases) in enumerate(values.items()):
        at = (*where, "values", value)
        if not _CODE.match(value):
            raise _Problem(at, "values are letters, digits, '-' and '_'")
        if not isinstance(phrases, list) or not phrases:
            raise _Problem(at, "must be a non-empty list of phrases")
        rules += _rules(phrases, at, slots, confidence, value=value, rank=rank)
    spec = FactSpec(topic, attribute, kind, "enum", values=tuple(values), ordered=ordered, **common)  # type: ignore[arg-type]
    return Fact(spec, subject, tuple(rules))


def parse_story(data: Mapping[str, Any], source: str) -> Story:
    """Validate a parsed story file; raises ``_Problem`` at the first thing wrong."""
    _known_keys(data, _STORY_KEYS, ())
    name = _string(data, "name", (), _NAME, "letters, digits, '.', '-' and '_'")
    topic = _string(data, "topic", (), _IDENT, "lowercase letters, digits and _ (no dots)")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _Problem(("description",), "must be a string")
    confidence = _confidence(data, (), DEFAULT_CONFIDENCE)
    requires = _phrases(data.get("requires", []), ("requires",))
    excludes = _phrases(data.get("excludes", []), ("excludes",))
    lists = _entities(data.get("entities", {}), ("entities",))
    tables = data.get("facts")
    if not isinstance(tables, list) or not tables:
        raise _Problem(("facts",), "missing; at least one [[facts]] table")
    facts: list[Fact] = []
    for index, table in enumerate(tables):
        fact = _fact(table, ("facts", index), topic, lists, confidence)
        if any(f.spec.attribute == fact.spec.attribute for f in facts):
            raise _Problem(("facts", index, "attribute"), f"{fact.spec.attribute!r} is used by another fact")
        facts.append(fact)
    return Story(name, topic, source, tuple(facts), requires, excludes, description)


# -- files and their lines ----------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[(\[)?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(r"""^\s*((?:[\w-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[\w-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(raw: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.])+""", raw)]


def key_lines(text: str) -> dict[Where, int]:
    """Where each table and key of a TOML text starts: key path -> line number.

    A small scan, enough to point an error at a line: ``[[facts]]`` tables get
    their index, ``[facts.values]`` belongs to the last ``[[facts]]``.
    """
    lines: dict[Where, int] = {}
    arrays: dict[tuple[str, ...], int] = {}
    current: Where = ()

    def resolve(names: list[str]) -> Where:
        out: list[str | int] = []
        for i, name in enumerate(names):
            out.append(name)
            if tuple(names[: i + 1]) in arrays:
                out.append(arrays[tuple(names[: i + 1])] - 1)
        return tuple(out)

    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            names = _split_key(header.group(2))
            if header.group(1):
                arrays[tuple(names)] = arrays.get(tuple(names), 0) + 1
            current = resolve(names)
            lines.setdefault(current, number)
        elif key := _KEY_LINE.match(line):
            lines.setdefault((*current, *_split_key(key.group(1))), number)
    return lines


def _line_of(text: str, where: Where) -> int | None:
    lines = key_lines(text)
    for end in range(len(where), 0, -1):
        if where[:end] in lines:
            return lines[where[:end]]
    return None


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def load_story(path: Path, shown: str | None = None) -> Story:
    """Read and validate one story file; ``ConfigError`` names the file, line, key and problem."""
    shown = shown or str(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=shown) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=f"{shown}:{line.group(1)}" if line else shown
        ) from None
    try:
        return parse_story(data, shown)
    except _Problem as problem:
        line = _line_of(text, problem.where)
        raise ConfigError(
            problem.message, path=f"{shown}:{line}" if line else shown, key=_key_text(problem.where) or None
        ) from None


def story_files(settings: PluginSettings) -> tuple[list[Path], list[ConfigError]]:
    """The story files to load, in order, and the listed paths that do not exist."""
    options = settings.for_plugin(PLUGIN)
    for key in options:
        if key not in OPTIONS:
            raise ConfigError(
                f"unknown key '{key}'; known: {', '.join(OPTIONS)}", key=f"plugins.{PLUGIN}.{key}"
            )
    listed = options.get("paths", [])
    if not isinstance(listed, list) or not all(isinstance(p, str) and p.strip() for p in listed):
        raise ConfigError("must be a list of paths", key=f"plugins.{PLUGIN}.paths")
    found: list[Path] = []
    missing: list[ConfigError] = []
    default = settings.path(STORY_DIR)
    for place, explicit in [(default, False), *((settings.path(p), True) for p in listed)]:
        if place.is_dir():
            found += sorted(p for p in place.glob("*.toml") if not p.name.startswith((".", "_")))
        elif place.is_file():
            found.append(place)
        elif explicit:
            missing.append(
                ConfigError(
                    f"{_shown(place, settings.root)}: no such file or folder", key=f"plugins.{PLUGIN}.paths"
                )
            )
    unique = list({p.resolve(): p for p in found}.values())
    return unique, missing


# -- reading articles ----------------------------------------------------------------------

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


def _sentences(article: Article) -> Iterator[str]:
    for source in (article.title, article.text):
        if isinstance(source, str) and source:
            source = source[:MAX_CHARS]
            for start, end in T.sentence_spans(source):
                yield source[start:end]


def _gaps(m: re.Match[str]) -> list[tuple[int, int]]:
    return [m.span(g) for g, v in m.groupdict().items() if g.startswith("gap") and v is not None]


def _negated(sentence: str, m: re.Match[str], clause_start: int) -> bool:
    """Negation around the phrase, not in its own words: the few words before it
    (after the last comma of the clause) and what its ``...`` gaps matched."""
    before_start = max(clause_start, sentence.rfind(",", clause_start, m.start()) + 1)
    before = _LAST_WORDS.search(sentence[before_start : m.start()])
    context = (before.group(0) if before else "") + " " + " ".join(sentence[s:e] for s, e in _gaps(m))
    return T.is_negated(context)


def _hedged(sentence: str, m: re.Match[str], clause: tuple[int, int]) -> bool:
    """Speculation, commentary or a condition in the clause before the phrase or in its gaps,
    or speculation as a short tail ("..., analysts expect")."""
    context = sentence[clause[0] : m.start()] + " " + " ".join(sentence[s:e] for s, e in _gaps(m))
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
        end = max([m.end("subject"), *(e for s, e in _gaps(m) if s - m.end("subject") <= 2)])
        found = entities.mentions(sentence, 0, end)
        inside = [i for i, f in enumerate(found) if f[0] >= m.start("subject")]
        return _with_coordinated(sentence, found, inside[-1]) if inside else []
    if entities.countries and not entities.codes:
        codes = T.subject_of(sentence, m.start())
        if codes:
            return codes
    found = entities.mentions(sentence, 0, m.end(), agents=True)
    before = [i for i, f in enumerate(found) if f[1] <= m.start()]
    if before:
        return _with_coordinated(sentence, found, before[-1])
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
                old = best.get(subject)
                if old is None or (hit.confidence, hit.rank, hit.order) > (
                    old.confidence,
                    old.rank,
                    old.order,
                ):
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


# -- the hook ---------------------------------------------------------------------------


def _summary(problems: list[ConfigError]) -> ConfigError:
    """One bad file: its own line. Several: each logged on its own line, then one summary."""
    if len(problems) == 1:
        return problems[0]
    for problem in problems:
        log.error("story not loaded: %s", problem)
    files = ", ".join(dict.fromkeys((p.path or p.key or "?").split(":")[0] for p in problems))
    return ConfigError(
        f"{len(problems)} story problems, those stories not loaded (each logged above): {files}"
    )


@hookimpl(trylast=True)  # after the plugins written in Python: a story never takes an extractor's name
def register_extractors(register: Callable[[Extractor], None], settings: PluginSettings) -> None:
    """Register one extractor per story file; bad files are reported after the good ones are in."""
    files, problems = story_files(settings)
    sources: dict[str, str] = {}
    for path in files:
        shown = _shown(path, settings.root)
        try:
            story = load_story(path, shown)
            if story.name in sources:
                raise ConfigError(
                    f"story name {story.name!r} is already used by {sources[story.name]}",
                    path=shown,
                    key="name",
                )
            try:
                register(StoryExtractor(story))
            except (TypeError, ValueError) as exc:
                raise ConfigError(str(exc), path=shown, key="name") from None
        except ConfigError as problem:
            problems.append(problem)
            continue
        sources[story.name] = shown
        log.debug("story %r loaded from %s: %d facts", story.name, shown, len(story.facts))
    if problems:
        raise _summary(problems)
