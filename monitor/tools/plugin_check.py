"""``monitor plugins --check``: every problem with the loaded plugins, one line each."""

from __future__ import annotations

import inspect

from ..api import Extractor, Notifier
from ..model import FactSpec
from ..plugins import PluginHost

__all__ = ["check_plugins"]

_TYPES = {"int", "str", "enum", "list", "object"}


def check_plugins(host: PluginHost) -> list[str]:
    problems: list[str] = []
    for info in host.plugins.values():
        if info.status == "failed":
            where = info.location or info.source
            last = (info.traceback or "").strip().splitlines()
            at = next((line.strip() for line in reversed(last) if line.strip().startswith("File ")), "")
            problems.append(
                f"{info.name} ({where}): failed to load: {info.error}" + (f" [{at}]" if at else "")
            )
        elif info.error:
            problems.append(f"{info.name}: {info.error}")
    for name, extractor in host.extractors.items():
        owner = host.owner_of(extractor)
        problems += [f"{owner}: extractor {name!r}: {p}" for p in _extractor_problems(extractor)]
    for kind, notifier in host.notifier_types.items():
        owner = host.owner_of(notifier)
        problems += [f"{owner}: notifier type {kind!r}: {p}" for p in _notifier_problems(notifier)]
    return problems


def _extractor_problems(extractor: Extractor) -> list[str]:
    problems = []
    method = getattr(type(extractor), "extract_claims", None)
    if method is Extractor.extract_claims:
        problems.append("does not implement extract_claims(article)")
    elif method is not None and len(inspect.signature(method).parameters) != 2:
        problems.append(
            f"extract_claims{inspect.signature(method)} must take exactly one argument, the article"
        )
    if not extractor.facts:
        problems.append("declares no facts, so every claim it makes will be dropped")
    for spec in extractor.facts or ():
        problems += [
            f"fact {getattr(spec, 'topic', '?')}.*.{getattr(spec, 'attribute', '?')}: {p}"
            for p in _spec_problems(spec)
        ]
    return problems


def _spec_problems(spec: object) -> list[str]:
    if not isinstance(spec, FactSpec):
        return [f"is a {type(spec).__name__}, not a monitor.FactSpec"]
    problems = []
    if spec.kind not in ("state", "event"):
        problems.append(f"kind {spec.kind!r} is not 'state' or 'event'")
    if spec.type not in _TYPES:
        problems.append(f"type {spec.type!r} is not one of {', '.join(sorted(_TYPES))}")
    if spec.type == "enum" and not spec.values:
        problems.append("an enum needs its values")
    if not all(part and "." not in part for part in (spec.topic, spec.attribute)):
        problems.append("topic and attribute must be non-empty and contain no '.'")
    return problems


def _notifier_problems(notifier: type[Notifier]) -> list[str]:
    problems = []
    if notifier.notify is Notifier.notify:
        problems.append("does not implement notify(alert)")
    if not isinstance(notifier.options, dict) or not all(isinstance(k, str) for k in notifier.options):
        problems.append("options must map each config key to its help text")
    return problems
