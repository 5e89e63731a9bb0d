"""A story's rules read from TOML: facts, concepts, actors, context rules and frames.

The file format is documented in ``docs/rules.md``. Every problem is one
``RuleError`` line naming the file, the table and what is wrong. A file may
``include`` others (relative paths); the engine's own ``english.toml`` (negation,
conditions, hedging, reporting verbs, titles) is always read first.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pycountry

from monitor.model import FactSpec

from .analysis import ActorTable
from .context import DIRECTIONS, ContextIndex, ContextRule
from .errors import RuleError
from .files import english, merge, merged
from .frames import Frame, FrameIndex, Modifier
from .lexicon import Concept, normalise, phrase_forms
from .pattern import Pattern, PatternError, compile_pattern

__all__ = ["Example", "RuleError", "RuleSet", "build_rules", "load_rules"]

_ACTOR_KINDS = ("name", "adjective", "capital", "leader", "institution")


@dataclass(frozen=True)
class Example:
    """A sentence a rule must (or must not) read: ``claims`` are ``SUBJECT=VALUE`` strings of one attribute."""

    where: str
    text: str
    attribute: str | None = None
    claims: tuple[str, ...] | None = None
    concept: str | None = None
    category: str | None = None
    matches: bool = True


@dataclass
class RuleSet:
    topic: str
    extractor: str
    source: str
    facts: tuple[FactSpec, ...]
    concepts: dict[str, Concept]
    contexts: tuple[ContextRule, ...]
    frames: tuple[Frame, ...]
    actors: ActorTable
    reporting_verbs: tuple[str, ...]
    approximate: frozenset[tuple[str, ...]]
    terms: re.Pattern[str] | None
    elsewhere: re.Pattern[str] | None
    examples: tuple[Example, ...] = ()
    description: str = ""
    collect: frozenset[str] = frozenset()  # list facts whose items are gathered from every hit
    spare: dict[str, Any] = field(default_factory=dict)
    requires: tuple[Pattern, ...] = ()  # [relevance] requires: the article must match one of these

    @cached_property
    def reporting(self) -> frozenset[str]:
        """The attribution verbs in every form ("said", "tells"), built on first use."""
        return frozenset(normalise(w) for e in self.reporting_verbs for w in _flat(e, "verb"))

    @property
    def index(self) -> FrameIndex:
        """The frames indexed by the words their patterns need, built once."""
        built = self.spare.get("index")
        if built is None:
            built = self.spare["index"] = FrameIndex(self.frames)
        return built

    @property
    def context_index(self) -> tuple[ContextIndex, ContextIndex]:
        """The context rules indexed: those over the whole sentence, then the others."""
        built = self.spare.get("contexts")
        if built is None:
            whole = ContextIndex([r for r in self.contexts if r.direction == "sentence"])
            local = ContextIndex([r for r in self.contexts if r.direction != "sentence"])
            built = self.spare["contexts"] = (whole, local)
        return built

    def relevant(self, content: str) -> bool:
        """The article names the story's terms more often than other conflicts' (a cheap gate before analysis)."""
        if self.terms is None:
            return True
        hits = len(self.terms.findall(content))
        other = len(self.elsewhere.findall(content)) if self.elsewhere is not None else 0
        return hits > 0 and hits > other


def load_rules(path: Path | str) -> RuleSet:
    """Read one story rule file (and what it includes) into a ``RuleSet``."""
    path = Path(path)
    data = merged(path, set())
    where = str(path)
    try:
        return _build(data, where)
    except PatternError as exc:
        raise RuleError(f"{where}: {exc}") from None


def build_rules(data: Mapping[str, Any], where: str) -> RuleSet:
    """A ``RuleSet`` from rule data already in memory (the format of a rule file, without ``include``).

    ``where`` names the rules in messages and in ``RuleSet.source``; ``english.toml`` is read first.
    """
    if "include" in data:
        raise RuleError(f"{where}: include is for rule files; merge the data before building")
    base = english()
    merge(base, copy.deepcopy(dict(data)))
    try:
        return _build(base, where)
    except PatternError as exc:
        raise RuleError(f"{where}: {exc}") from None


def _words_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    alts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I) if alts else None


def _build(data: dict[str, Any], where: str) -> RuleSet:
    topic = data.get("topic")
    if not isinstance(topic, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", topic):
        raise RuleError(f"{where}: [topic] must be a lower-case name, like 'coalition'")
    examples: list[Example] = []
    concepts = _concepts(data.get("concepts", {}), where, examples)
    facts = _facts(topic, data.get("facts", {}), where)
    contexts = tuple(_context(i, c, concepts, where, examples) for i, c in enumerate(data.get("context", [])))
    defaults = data.get("defaults", {})
    attributes = {f.attribute: f for f in facts}
    frames = tuple(
        _frame(i, f, concepts, defaults, attributes, where, examples)
        for i, f in enumerate(data.get("frames", []))
    )
    relevance = data.get("relevance", {})
    return RuleSet(
        topic=topic,
        extractor=str(data.get("extractor", topic)),
        source=where,
        facts=facts,
        concepts=concepts,
        contexts=contexts,
        frames=frames,
        actors=_actors(data.get("actors", {}), where),
        reporting_verbs=tuple(data.get("attribution", {}).get("verbs", [])),
        approximate=frozenset(
            tuple(normalise(w) for w in a.split()) for a in data.get("numbers", {}).get("approximate", [])
        ),
        terms=_words_regex(relevance.get("terms", [])),
        elsewhere=_words_regex(relevance.get("elsewhere", [])),
        examples=tuple(examples),
        description=str(data.get("description", "")),
        collect=frozenset(a for a, spec in data.get("facts", {}).items() if spec.get("collect")),
        requires=_patterns(relevance["requires"], concepts, f"{where} [relevance]")
        if relevance.get("requires")
        else (),
    )


def _flat(entry: str, pos: str) -> set[str]:
    return {" ".join(seq) for seq in phrase_forms(entry, pos)}


def _concepts(table: Mapping[str, Any], where: str, examples: list[Example]) -> dict[str, Concept]:
    out = {}
    for name, spec in table.items():
        if isinstance(spec, list):
            spec = {"words": spec}
        words = spec.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise RuleError(f"{where}: [concepts.{name}] words must be a list of words or phrases")
        pos = spec.get("pos", "any")
        if pos not in ("verb", "noun", "adj", "any"):
            raise RuleError(f"{where}: [concepts.{name}] pos must be verb, noun, adj or any")
        out[name] = Concept.build(name, words, pos)
        for text in spec.get("examples", []):
            examples.append(Example(f"{where} [concepts.{name}]", text, concept=name))
    return out


def _facts(topic: str, table: Mapping[str, Any], where: str) -> tuple[FactSpec, ...]:
    out = []
    for attribute, spec in table.items():
        try:
            subjects = spec.get("subjects")
            out.append(
                FactSpec(
                    topic,
                    attribute,
                    spec.get("kind", "state"),
                    spec["type"],
                    label=spec.get("label", ""),
                    values=tuple(spec.get("values", ())),
                    ordered=bool(spec.get("ordered", False)),
                    nullable=bool(spec.get("nullable", False)),
                    subjects=tuple(subjects) if subjects is not None else None,
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise RuleError(f"{where}: [facts.{attribute}] is incomplete: {exc}") from None
    return tuple(out)


def _patterns(sources: Any, concepts: Mapping[str, Concept], where: str) -> tuple[Pattern, ...]:
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources:
        raise RuleError(f"{where}: patterns must be a non-empty list of strings")
    try:
        return tuple(compile_pattern(s, concepts) for s in sources)
    except PatternError as exc:
        raise RuleError(f"{where}: {exc}") from None


def _context(
    i: int, spec: Mapping[str, Any], concepts: Mapping[str, Concept], where: str, examples: list[Example]
) -> ContextRule:
    name = str(spec.get("name", f"context {i + 1}"))
    at = f"{where} [[context]] {name!r}"
    direction = spec.get("direction", "forward")
    if direction not in DIRECTIONS:
        raise RuleError(f"{at}: direction must be one of {', '.join(DIRECTIONS)}")
    category = spec.get("category")
    if not isinstance(category, str):
        raise RuleError(f"{at}: category is missing")
    rule = ContextRule(
        name,
        category,
        _patterns(spec.get("patterns"), concepts, at),
        direction,
        int(spec.get("scope", 8)),
        _patterns(spec["pseudo"], concepts, at) if spec.get("pseudo") else (),
        frozenset(normalise(w) for w in spec.get("terminators", [])),
    )
    ex = spec.get("examples", {})
    examples.extend(Example(at, t, category=category) for t in ex.get("match", []))
    examples.extend(Example(at, t, category=category, matches=False) for t in ex.get("no_match", []))
    return rule


def _frame(
    i: int,
    spec: Mapping[str, Any],
    concepts: Mapping[str, Concept],
    defaults: Mapping[str, Any],
    attributes: Mapping[str, FactSpec],
    where: str,
    examples: list[Example],
) -> Frame:
    name = str(spec.get("name", f"frame {i + 1}"))
    at = f"{where} [[frames]] {name!r}"
    attribute = str(spec.get("attribute"))
    if attribute not in attributes:
        raise RuleError(f"{at}: attribute {attribute!r} is not among [facts] ({', '.join(attributes)})")
    if "value" not in spec:
        raise RuleError(f"{at}: value is missing")
    modifiers = spec.get("modifiers", defaults.get("modifiers", {}))
    exclude = spec.get("exclude_subjects", defaults.get("exclude_subjects", []))
    frame = Frame(
        name=name,
        attribute=attribute,
        patterns=_patterns(spec.get("patterns"), concepts, at),
        value=spec["value"],
        subject=str(spec.get("subject", "actor")),
        confidence=float(spec.get("confidence", 0.8)),
        modifiers=tuple((str(k), _modifier(v, at)) for k, v in modifiers.items()),
        exclude_subjects=frozenset(exclude),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        parts=tuple(spec.get("parts", ("title", "text"))),
        requires=_patterns(spec["requires"], concepts, at) if spec.get("requires") else (),
        order=i,
        fill=tuple(
            (str(k), str(v["frame"]), int(v.get("within", 1))) for k, v in spec.get("fill", {}).items()
        ),
        fill_only=bool(spec.get("fill_only", False)),
        items=_items(spec.get("items"), concepts, at),
    )
    for ex in spec.get("examples", []):
        if (
            not isinstance(ex, Mapping)
            or not isinstance(ex.get("text"), str)
            or not isinstance(ex.get("claims"), list)
        ):
            raise RuleError(f"{at}: each example is {{ text = '...', claims = ['SUBJECT=VALUE', ...] }}")
        examples.append(Example(at, ex["text"], attribute=attribute, claims=tuple(ex["claims"])))
    return frame


def _items(
    spec: Any, concepts: Mapping[str, Concept], at: str
) -> Mapping[str, tuple[Pattern, ...]] | frozenset[str] | str | None:
    """A frame's ``items``: "actors", a list of government codes, or a table of item id = [patterns]."""
    if spec is None:
        return None
    if spec == "actors":
        return "actors"
    if isinstance(spec, list) and all(isinstance(c, str) for c in spec):
        return frozenset(spec)
    if isinstance(spec, Mapping) and spec:
        return {str(k): _patterns(v, concepts, f"{at} items.{k}") for k, v in spec.items()}
    raise RuleError(f"{at}: items is 'actors', a list of government codes or a table of id = [patterns]")


def _modifier(spec: Any, at: str) -> Modifier:
    if isinstance(spec, str):
        return Modifier(spec)
    if isinstance(spec, Mapping) and isinstance(spec.get("value"), str):
        confidence = spec.get("confidence")
        return Modifier(spec["value"], float(confidence) if confidence is not None else None)
    raise RuleError(f"{at}: a modifier is 'drop', a value, or {{ value = '...', confidence = 0.9 }}")


@cache
def country_aliases() -> Mapping[str, tuple[str, str]]:
    """Every country's name as the engine knows it without a story: ``{"France": ("FR", "name")}``."""
    aliases: dict[str, tuple[str, str]] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                aliases[value] = (country.alpha_2, "name")
    return aliases


def _actors(table: Mapping[str, Any], where: str) -> ActorTable:
    aliases: dict[str, tuple[str, str]] = dict(country_aliases())
    for code, spec in table.items():
        if code in ("titles", "roles", "drop", "groups", "events"):
            continue
        if not isinstance(spec, Mapping):
            raise RuleError(f"{where}: [actors.{code}] must be a table of kinds ({', '.join(_ACTOR_KINDS)})")
        for kind, names in spec.items():
            if kind not in _ACTOR_KINDS:
                raise RuleError(f"{where}: [actors.{code}] {kind!r} is not one of {', '.join(_ACTOR_KINDS)}")
            for alias in names:
                aliases[alias] = (code, kind)
    for alias in table.get("drop", []):
        aliases.pop(alias, None)
    titles = tuple(table.get("titles", []))
    roles = frozenset(tuple(normalise(w) for w in r.split()) for r in table.get("roles", []))
    groups = tuple(table.get("groups", []))
    events = frozenset(normalise(w) for w in table.get("events", []))
    return ActorTable(aliases, titles, roles, groups, events)
