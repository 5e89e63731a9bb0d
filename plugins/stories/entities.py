"""A story's entities: its lists of codes and names, and the governments they become for the rule engine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor import text as T
from monitor.rules import country_aliases, english_titles

from .model import Problem, Where
from .translate import Aliases

__all__ = ["COUNTRIES", "EntityList", "entity_list", "entity_lists", "fold", "story_actors"]

_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CODE = re.compile(r"^[A-Za-z0-9][\w-]{0,63}$")
RESERVED = ("actor", "speaker", "titles", "roles", "drop", "groups", "events")


@dataclass(frozen=True)
class EntityList:
    """One ``[entities.<list>]``: codes and their names, and whether every country counts too."""

    codes: Mapping[str, tuple[str, ...]]
    countries: bool

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The subjects a FactSpec may accept; None when any country may come."""
        return None if self.countries else tuple(self.codes)


COUNTRIES = EntityList({}, True)  # subject = "country", items = "country"


def fold(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split()).casefold()


def entity_lists(data: Any, where: Where) -> dict[str, EntityList]:
    if not isinstance(data, dict):
        raise Problem(where, "must be a table of entity lists: [entities.<list>]")
    lists: dict[str, EntityList] = {}
    for name, table in data.items():
        at = (*where, name)
        if not _IDENT.match(name):
            raise Problem(at, "list names are lowercase letters, digits and _")
        if not isinstance(table, dict):
            raise Problem(at, f'must be a table: [entities.{name}] with CODE = ["name", ...]')
        countries = table.get("countries", False)
        if not isinstance(countries, bool):
            raise Problem((*at, "countries"), "must be true or false")
        codes: dict[str, tuple[str, ...]] = {}
        seen: dict[str, str] = {}
        for code, names in table.items():
            if code == "countries":
                continue
            if not _CODE.match(code) or code in RESERVED:
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
            codes[code] = tuple(" ".join(n.split()) for n in names)
        if not codes and not countries:
            raise Problem(at, 'empty: give CODE = ["name", ...] entries, or countries = true')
        lists[name] = EntityList(codes, countries)
    return lists


def entity_list(ref: str, lists: Mapping[str, EntityList]) -> EntityList | None:
    """``'country'`` or ``'entity:<list>'`` of a defined list as its entities; None for anything else."""
    if ref == "country":
        return COUNTRIES
    return lists.get(ref.removeprefix("entity:")) if ref.startswith("entity:") else None


def story_actors(lists: Mapping[str, EntityList], countries: bool) -> tuple[dict[str, Any], Aliases]:
    """The story's governments as rule ``[actors]``, and the aliases its patterns are read with."""
    certain = dict(country_aliases())
    known = T.country_names()  # names, adjectives, capitals, institutions, leaders of monitor.text
    actors: dict[str, dict[str, list[str]]] = {}
    if countries:
        for name, (code, kind) in known.items():
            actors.setdefault(code, {}).setdefault(kind, []).append(name)
        certain |= known
    for entities in lists.values():
        for code, names in entities.codes.items():
            for name in names:
                # "the Commission" opens a sentence as "The Commission"; "Trump" never reads "trump"
                variants = {name, name[0].upper() + name[1:]} if name[0].islower() else {name}
                for alias in sorted(variants):
                    actors.setdefault(code, {}).setdefault("name", []).append(alias)
                    certain[alias] = (code, "name")
    maybe = {k: v for k, v in known.items() if k not in certain}
    return actors, Aliases.build(certain, maybe, english_titles())
