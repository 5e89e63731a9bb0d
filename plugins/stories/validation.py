"""Checking a parsed story file and compiling it into the rule engine's rules.

Each check raises ``Problem`` at the key path of the first thing wrong; the
loader turns it into a one-line ConfigError with the file's line. A good file
becomes rule data in the format of ``docs/rules.md`` - facts, frames (one per
pattern), actors (the entities), ``[relevance] requires``, an ``excludes``
sentence context - built into a ``monitor.rules.RuleSet``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.rules import PatternError, RuleError, build_rules, compile_pattern

from .entities import RESERVED, EntityList, entity_list, entity_lists, story_actors
from .model import Problem, Story, Where
from .translate import Aliases, translate_pattern

__all__ = ["Problem", "Where", "parse_story"]

KINDS = ("state", "event")
TYPES = ("int", "str", "enum", "list")
DEFAULT_CONFIDENCE = 0.8
_STORY_KEYS = (
    "name",
    "topic",
    "title",
    "baseline",
    "description",
    "requires",
    "excludes",
    "confidence",
    "entities",
    "facts",
)
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
# What the claim is dropped for: another story's sentence, negation ("has not signed", "has not
# rejected": unnegated), a condition, speculation, commentary.
MODIFIERS = {
    "excluded": "drop",
    "negated": "drop",
    "unnegated": "drop",
    "conditional": "drop",
    "hedged": "drop",
    "commentary": "drop",
}
# "not" in a phrase's gap negates it even where the engine's English reads a double negation
# ("has not rejected the deal" is no rejection): a story's phrases are statements, not stances.
NEGATION = {
    "name": "story negation",
    "category": "negated",
    "direction": "forward",
    "scope": 6,
    "patterns": ["not", "never", "no", "neither", "nor", "no longer", "cannot"],
    "pseudo": ["not only", "not just", "no doubt", "not least", "never before", "nothing but", "no matter"],
    "terminators": [":", '"'],
}
# Added to the engine's "speculation" cues for a story: second-hand reports.
HEDGES = {"name": "speculation", "patterns": ["reportedly", "is said to", "are said to", "rumour*", "rumor*"]}


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


@dataclass(frozen=True)
class _Rule:
    """One story pattern in the engine's syntax, with what it gives and how surely."""

    pattern: str
    confidence: float
    slots: tuple[str, ...]
    value: str | None = None


class _Compiler:
    """Translates the story's patterns with its governments, checking each with the engine."""

    def __init__(self, aliases: Aliases) -> None:
        self.aliases = aliases

    def rules(self, items: Sequence[Any], where: Where, allowed: Sequence[str], default: float, *,
              value: str | None = None, need: Sequence[str] = ()) -> list[_Rule]:  # fmt: skip
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
                pattern, used = translate_pattern(item, allowed, self.aliases)
                compile_pattern(pattern, {})
            except PatternError as exc:
                raise Problem(at, f"{item!r}: {exc}") from None
            except ValueError as exc:
                raise Problem(at, str(exc)) from None
            if need and not any(n in used for n in need):
                raise Problem(at, f"{item!r} needs {' or '.join('{' + n + '}' for n in need)}")
            rules.append(_Rule(pattern, confidence, tuple(used), value))
        return rules

    def phrases(self, value: Any, where: Where) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Problem(where, "must be a list of phrases")
        return [r.pattern for r in self.rules(value, where, (), 1.0)]


def _subject(table: Mapping[str, Any], where: Where, lists: Mapping[str, EntityList]) -> str | EntityList:
    subject = _string(table, "subject", where, hint="a fixed subject, 'country' or 'entity:<list>'")
    if (entities := entity_list(subject, lists)) is not None:
        return entities
    if subject.startswith("entity:"):
        name = subject.removeprefix("entity:")
        known = ", ".join(f"entity:{n}" for n in lists) or "none defined"
        raise Problem(
            (*where, "subject"), f"no entity list {name!r} (define [entities.{name}]; known: {known})"
        )
    if not _CODE.match(subject) or subject in RESERVED:
        raise Problem((*where, "subject"), f"{subject!r} is not a subject: letters, digits, '-' and '_'")
    return subject


def _items(
    table: Mapping[str, Any], where: Where, lists: Mapping[str, EntityList], compiler: _Compiler
) -> tuple[Any, tuple[str, ...]]:
    """A list fact's ``items`` as the engine's frame ``items``, and the item ids the fact allows."""
    if "items" not in table:
        raise Problem((*where, "items"), "missing; 'country', 'entity:<list>' or a table of item = [phrases]")
    items = table["items"]
    if isinstance(items, str):
        if (entities := entity_list(items, lists)) is None:
            known = ", ".join(f"entity:{n}" for n in lists) or "no entity lists defined"
            raise Problem((*where, "items"), f"{items!r} is not 'country' or a defined entity list ({known})")
        return ("actors" if entities.allowed is None else list(entities.codes)), entities.allowed or ()
    if not isinstance(items, dict) or not items:
        raise Problem((*where, "items"), "must be 'country', 'entity:<list>' or a table of item = [phrases]")
    out = {}
    for item, phrases in items.items():
        if not _CODE.match(item):
            raise Problem((*where, "items", item), "item ids are letters, digits, '-' and '_'")
        out[item] = compiler.phrases(phrases, (*where, "items", item))
    return out, tuple(out)


def _fact(table: Any, where: Where, lists: Mapping[str, EntityList], default: float,
          compiler: _Compiler) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """One ``[[facts]]``: its attribute, its fact spec and its frames, as rule data."""
    if not isinstance(table, dict):
        raise Problem(where, "must be a table: [[facts]]")
    attribute = _string(table, "attribute", where, _IDENT, "lowercase letters, digits and _")
    kind = _choice(table, "kind", where, KINDS)
    type_ = _choice(table, "type", where, TYPES)
    _known_keys(table, (*_FACT_KEYS["common"], *_FACT_KEYS[type_]), where, f" for type = {type_!r}")
    label = _string(table, "label", where, hint="the fact in words, shown in alerts")
    subject = _subject(table, where, lists)
    confidence = _confidence(table, where, default)
    slots = ("subject",) if isinstance(subject, EntityList) else ()
    allowed = subject.allowed if isinstance(subject, EntityList) else (subject,)
    spec: dict[str, Any] = {"type": type_, "kind": kind, "label": label}
    if allowed is not None:
        spec["subjects"] = list(allowed)
    frame: dict[str, Any] = {
        "attribute": attribute,
        "subject": subject if isinstance(subject, str) else "actor",
    }
    rules: list[_Rule]
    if type_ == "enum":
        values = table.get("values")
        if not isinstance(values, dict) or not values:
            raise Problem((*where, "values"), "missing; a table of value = [phrases], weakest first")
        ordered = table.get("ordered", True)
        if not isinstance(ordered, bool):
            raise Problem((*where, "ordered"), "must be true or false")
        rules = []
        for value, phrases in reversed(values.items()):  # the strongest first: it wins a tie in a sentence
            at = (*where, "values", value)
            if not _CODE.match(value):
                raise Problem(at, "values are letters, digits, '-' and '_'")
            if not isinstance(phrases, list) or not phrases:
                raise Problem(at, "must be a non-empty list of phrases")
            rules += compiler.rules(phrases, at, slots, confidence, value=value)
        spec |= {"values": list(values), "ordered": ordered}
    else:
        patterns, at = _patterns(table, where), (*where, "patterns")
        if type_ == "int":
            for key in ("min", "max"):
                bound = table.get(key)
                if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
                    raise Problem((*where, key), "must be a whole number")
                if bound is not None:
                    frame[key] = bound
            rules = compiler.rules(
                patterns, at, (*slots, "number"), confidence, value="{number}", need=["number"]
            )
        elif type_ == "str":
            fixed = table.get("value")
            if fixed is not None and not (isinstance(fixed, str) and 0 < len(fixed.strip()) <= 200):
                raise Problem((*where, "value"), "must be a short non-empty string")
            value_slots = () if fixed else ("value", "name")
            need = () if fixed else ("value", "name")
            rules = compiler.rules(patterns, at, (*slots, *value_slots), confidence, value=fixed, need=need)
        else:
            items, ids = _items(table, where, lists, compiler)
            rules = compiler.rules(
                patterns, at, (*slots, "items"), confidence, value="{items}", need=["items"]
            )
            frame["items"] = items
            spec["values"] = list(ids)
    frames = []
    for n, rule in enumerate(rules):
        value = rule.value
        if value is None:  # a str fact without a fixed value: what its placeholder holds
            value = "{value}" if "value" in rule.slots else "{name}"
        frames.append(
            frame
            | {"name": f"{attribute}={value} #{n + 1}", "value": value, "confidence": rule.confidence}
            | {"patterns": [rule.pattern]}
        )
    return attribute, spec, frames


def parse_story(data: Mapping[str, Any], source: str) -> Story:
    """Validate a parsed story file and build its rules; raises ``Problem`` at the first thing wrong."""
    _known_keys(data, _STORY_KEYS, ())
    name = _string(data, "name", (), _NAME, "letters, digits, '.', '-' and '_'")
    topic = _string(data, "topic", (), _IDENT, "lowercase letters, digits and _ (no dots)")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise Problem(("description",), "must be a string")
    confidence = _confidence(data, (), DEFAULT_CONFIDENCE)
    lists = entity_lists(data.get("entities", {}), ("entities",))
    tables = data.get("facts")
    countries = any(e.countries for e in lists.values()) or (
        isinstance(tables, list)
        and any(isinstance(t, dict) and "country" in (t.get("subject"), t.get("items")) for t in tables)
    )
    actors, aliases = story_actors(lists, countries)
    compiler = _Compiler(aliases)
    requires = compiler.phrases(data.get("requires", []), ("requires",))
    excludes = compiler.phrases(data.get("excludes", []), ("excludes",))
    if not isinstance(tables, list) or not tables:
        raise Problem(("facts",), "missing; at least one [[facts]] table")
    facts: dict[str, Any] = {}
    frames: list[dict[str, Any]] = []
    for index, table in enumerate(tables):
        attribute, spec, more = _fact(table, ("facts", index), lists, confidence, compiler)
        if attribute in facts:
            raise Problem(("facts", index, "attribute"), f"{attribute!r} is used by another fact")
        facts[attribute] = spec
        frames += more
    rules: dict[str, Any] = {
        "topic": topic,
        "extractor": name,
        "description": description,
        "facts": facts,
        "actors": actors,
        "defaults": {"modifiers": dict(MODIFIERS)},
        "frames": frames,
    }
    if requires:
        rules["relevance"] = {"requires": requires}
    rules["context"] = [dict(NEGATION), dict(HEDGES)]
    if excludes:
        rules["context"].append(
            {"name": "excludes", "category": "excluded", "direction": "sentence", "patterns": excludes}
        )
    try:
        ruleset = build_rules(rules, source)
    except RuleError as exc:
        raise Problem((), str(exc).removeprefix(f"{source}: ")) from None
    return Story(name, topic, source, ruleset, description, aliases)
