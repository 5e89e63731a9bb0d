"""Rule files on disk: TOML read, includes merged under the file, the engine's English first."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RuleError
from .lexicon import phrase_forms

__all__ = ["english", "english_titles", "merge", "merged"]


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise RuleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def english() -> dict[str, Any]:
    return tomllib.loads(resources.files("monitor.rules").joinpath("english.toml").read_text("utf-8"))


def merged(path: Path, seen: set[Path]) -> dict[str, Any]:
    """The file with its includes merged under it: tables merge, lists append, the file wins."""
    real = path.resolve()
    if real in seen:
        raise RuleError(f"{path}: includes itself")
    seen.add(real)
    data = _read(path)
    base: dict[str, Any] = english() if not seen - {real} else {}
    for inc in data.pop("include", []):
        merge(base, merged(path.parent / inc, seen))
    merge(base, data)
    return base


def merge(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if key == "context" and isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = _merge_contexts(into[key], value)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list) and key != "values":
            into[key] = [*into[key], *value]
        else:
            into[key] = value


def _merge_contexts(base: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A context rule with the name of one already read extends it (more patterns, pseudo, terminators)."""
    out = [dict(rule) for rule in base]
    by_name = {rule.get("name"): rule for rule in out}
    for rule in more:
        same = by_name.get(rule.get("name"))
        if same is None:
            out.append(dict(rule))
            continue
        for key, value in rule.items():
            same[key] = [*same.get(key, []), *value] if isinstance(value, list) else value
    return out


@cache
def english_titles() -> frozenset[tuple[str, ...]]:
    """The engine's titles ("foreign minister", "chief"), read into the government named before them."""
    return frozenset(
        seq for t in english().get("actors", {}).get("titles", []) for seq in phrase_forms(t, "noun")
    )
