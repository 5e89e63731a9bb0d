"""Checking a parsed story file and compiling it into a Story.

Each check raises ``Problem`` at the key path of the first thing wrong; the
loader turns it into a one-line ConfigError with the file's line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from monitor import FactSpec

from .entities import COUNTRIES, Entities, fold
from .model import Fact, Rule, Story
from .patterns import SLOTS, braced, compile_pattern

__all__ = ["Problem", "Where", "parse_story"]

KINDS = ("state", "event")
TYPES = ("int", "str", "enum", "list")
DEFAULT_CONFIDENCE = 0.8
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


class Problem(Exception):
    """A problem in a story file at a key path, e.g. ``("facts", 2, "type")``."""

    def __init__(self, where: Where, message: str):
        super().__init__(message)
        self.where, self.message = where, message

    @property
    def key(self) -> str:
        """The key path as messages write it: ``facts[2].type``."""
        out = ""
        for part in self.where:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


def _string(
    table: Mapping[str, Any], key: str, where: Where, rule: re.Pattern[str] | None = None, hint: str = ""
) -> str:
    if key not in table:
        raise Problem((*where, key), f"missing{'; ' + hint if hint else ''}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise Problem((*where, key), "must be a non-empty string")
    if rule and not rule.match(value):
        raise Problem((*where, key), f"{value!r} is not allowed: {hint}")
    return value.strip()


def _choice(table: Mapping[str, Any], key: str, where: Where, choices: Sequence[str]) -> str:
    if key not in table:
        raise Problem((*where, key), f"missing; one of {', '.join(choices)}")
    value = table[key]
    if value not in choices:
        raise Problem((*where, key), f"{value!r} is not one of {', '.join(choices)}")
    return value


def _confidence(table: Mapping[str, Any], where: Where, default: float) -> float:
    value = table.get("confidence", default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise Problem((*where, "confidence"), f"{value!r} is not a number above 0 and at most 1")
    return float(value)


def _known_keys(table: Mapping[str, Any], allowed: Sequence[str], where: Where, why: str = "") -> None:
    for key in table:
        if key not in allowed:
            raise Problem((*where, key), f"unknown key{why}; known: {', '.join(allowed)}")


def _patterns(table: Mapping[str, Any], where: Where) -> list[Any]:
    if "patterns" not in table:
        raise Problem((*where, "patterns"), "missing; a list of patterns")
    value = table["patterns"]
    if not isinstance(value, list) or not value:
        raise Problem((*where, "patterns"), "must be a non-empty list")
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
            raise Problem(at, 'must be a pattern string or {pattern = "...", confidence = 0.9}')
        try:
            regex = compile_pattern(item, allowed)
        except ValueError as exc:
            raise Problem(at, str(exc)) from None
        if need and not any(f"(?P<{n}>" in regex.pattern for n in need):
            raise Problem(at, f"{item!r} needs {' or '.join(braced(n) for n in need)}")
        rules.append(Rule(regex, confidence, value, rank))
    return rules


def _phrases(value: Any, where: Where) -> tuple[re.Pattern[str], ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Problem(where, "must be a list of phrases")
    return tuple(r.regex for r in _rules(value, where, {}, 1.0))


def _entities(data: Any, where: Where) -> dict[str, Entities]:
    if not isinstance(data, dict):
        raise Problem(where, "must be a table of entity lists: [entities.<list>]")
    lists: dict[str, Entities] = {}
    for name, table in data.items():
        at = (*where, name)
        if not _IDENT.match(name):
            raise Problem(at, "list names are lowercase letters, digits and _")
        if not isinstance(table, dict):
            raise Problem(at, f'must be a table: [entities.{name}] with CODE = ["name", ...]')
        countries = table.get("countries", False)
        if not isinstance(countries, bool):
            raise Problem((*at, "countries"), "must be true or false")
        codes: dict[str, list[str]] = {}
        seen: dict[str, str] = {}
        for code, names in table.items():
            if code == "countries":
                continue
            if not _CODE.match(code):
                raise Problem((*at, code), "codes are letters, digits, '-' and '_'")
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(n, str) and n.strip() for n in names)
            ):
                raise Problem((*at, code), "must be a non-empty list of names")
            for alias in names:
                if fold(alias) in seen and seen[fold(alias)] != code:
                    raise Problem((*at, code), f"{alias!r} already names {seen[fold(alias)]}")
                seen[fold(alias)] = code
            codes[code] = [n.strip() for n in names]
        if not codes and not countries:
            raise Problem(at, 'empty: give CODE = ["name", ...] entries, or countries = true')
        lists[name] = Entities.build(codes, countries)
    return lists


def _entity_list(ref: str, lists: Mapping[str, Entities]) -> Entities | None:
    """``'country'`` or ``'entity:<list>'`` of a defined list as its entities; None for anything else."""
    if ref == "country":
        return COUNTRIES
    return lists.get(ref.removeprefix("entity:")) if ref.startswith("entity:") else None


def _subject(table: Mapping[str, Any], where: Where, lists: Mapping[str, Entities]) -> str | Entities:
    subject = _string(table, "subject", where, hint="a fixed subject, 'country' or 'entity:<list>'")
    if (entities := _entity_list(subject, lists)) is not None:
        return entities
    if subject.startswith("entity:"):
        name = subject.removeprefix("entity:")
        known = ", ".join(f"entity:{n}" for n in lists) or "none defined"
        raise Problem(
            (*where, "subject"), f"no entity list {name!r} (define [entities.{name}]; known: {known})"
        )
    if not _CODE.match(subject):
        raise Problem((*where, "subject"), f"{subject!r} is not a subject: letters, digits, '-' and '_'")
    return subject


def _items(
    table: Mapping[str, Any], where: Where, lists: Mapping[str, Entities]
) -> Entities | tuple[tuple[str, re.Pattern[str]], ...]:
    if "items" not in table:
        raise Problem((*where, "items"), "missing; 'country', 'entity:<list>' or a table of item = [phrases]")
    items = table["items"]
    if isinstance(items, str):
        if (entities := _entity_list(items, lists)) is None:
            known = ", ".join(f"entity:{n}" for n in lists) or "no entity lists defined"
            raise Problem((*where, "items"), f"{items!r} is not 'country' or a defined entity list ({known})")
        return entities
    if not isinstance(items, dict) or not items:
        raise Problem((*where, "items"), "must be 'country', 'entity:<list>' or a table of item = [phrases]")
    out = []
    for item, phrases in items.items():
        if not _CODE.match(item):
            raise Problem((*where, "items", item), "item ids are letters, digits, '-' and '_'")
        out += [(item, p) for p in _phrases(phrases, (*where, "items", item))]
    return tuple(out)


def _fact(table: Any, where: Where, topic: str, lists: Mapping[str, Entities], default: float) -> Fact:
    if not isinstance(table, dict):
        raise Problem(where, "must be a table: [[facts]]")
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
    patterns, at = _patterns(table, where), (*where, "patterns")
    if type_ == "int":
        bounds = [table.get(k) for k in ("min", "max")]
        for key, bound in zip(("min", "max"), bounds, strict=True):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
                raise Problem((*where, key), "must be a whole number")
        rules = _rules(patterns, at, {**slots, "number": SLOTS["number"]}, confidence, need=["number"])
        spec = FactSpec(topic, attribute, kind, "int", **common)
        return Fact(spec, subject, tuple(rules), minimum=bounds[0], maximum=bounds[1])
    if type_ == "str":
        fixed = table.get("value")
        if fixed is not None and not (isinstance(fixed, str) and 0 < len(fixed.strip()) <= 200):
            raise Problem((*where, "value"), "must be a short non-empty string")
        value_slots = {} if fixed else {"value": SLOTS["value"], "name": SLOTS["name"]}
        need = () if fixed else ("value",)
        rules = _rules(patterns, at, {**slots, **value_slots}, confidence, value=fixed, need=need)
        return Fact(FactSpec(topic, attribute, kind, "str", **common), subject, tuple(rules))
    items = _items(table, where, lists)
    rules = _rules(patterns, at, {**slots, "items": SLOTS["items"]}, confidence, need=["items"])
    ids = (items.allowed or ()) if isinstance(items, Entities) else tuple(dict.fromkeys(i for i, _ in items))
    return Fact(
        FactSpec(topic, attribute, kind, "list", values=ids, **common), subject, tuple(rules), items=items
    )


def _enum_fact(table: Mapping[str, Any], where: Where, topic: str, attribute: str, kind: str,
               subject: str | Entities, slots: Mapping[str, str], confidence: float,
               common: Mapping[str, Any]) -> Fact:  # fmt: skip
    values = table.get("values")
    if not isinstance(values, dict) or not values:
        raise Problem((*where, "values"), "missing; a table of value = [phrases], weakest first")
    ordered = table.get("ordered", True)
    if not isinstance(ordered, bool):
        raise Problem((*where, "ordered"), "must be true or false")
    rules: list[Rule] = []
    for rank, (value, phrases) in enumerate(values.items()):
        at = (*where, "values", value)
        if not _CODE.match(value):
            raise Problem(at, "values are letters, digits, '-' and '_'")
        if not isinstance(phrases, list) or not phrases:
            raise Problem(at, "must be a non-empty list of phrases")
        rules += _rules(phrases, at, slots, confidence, value=value, rank=rank)
    spec = FactSpec(topic, attribute, kind, "enum", values=tuple(values), ordered=ordered, **common)  # type: ignore[arg-type]
    return Fact(spec, subject, tuple(rules))


def parse_story(data: Mapping[str, Any], source: str) -> Story:
    """Validate a parsed story file; raises ``Problem`` at the first thing wrong."""
    _known_keys(data, _STORY_KEYS, ())
    name = _string(data, "name", (), _NAME, "letters, digits, '.', '-' and '_'")
    topic = _string(data, "topic", (), _IDENT, "lowercase letters, digits and _ (no dots)")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise Problem(("description",), "must be a string")
    confidence = _confidence(data, (), DEFAULT_CONFIDENCE)
    requires = _phrases(data.get("requires", []), ("requires",))
    excludes = _phrases(data.get("excludes", []), ("excludes",))
    lists = _entities(data.get("entities", {}), ("entities",))
    tables = data.get("facts")
    if not isinstance(tables, list) or not tables:
        raise Problem(("facts",), "missing; at least one [[facts]] table")
    facts: list[Fact] = []
    for index, table in enumerate(tables):
        fact = _fact(table, ("facts", index), topic, lists, confidence)
        if any(f.spec.attribute == fact.spec.attribute for f in facts):
            raise Problem(("facts", index, "attribute"), f"{fact.spec.attribute!r} is used by another fact")
        facts.append(fact)
    return Story(name, topic, source, tuple(facts), requires, excludes, description)
