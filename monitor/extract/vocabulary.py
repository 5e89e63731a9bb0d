"""The vocabulary: every fact the loaded extractors declare, and the check of a returned claim against it.

Built once per plugin host (``PluginHost.vocabulary``), and again only when
the registered extractors change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..api import Extractor
from ..model import Article, Claim, FactSpec, fact_key

__all__ = ["Vocabulary", "check_claim", "fact_specs", "spec_for"]

MAX_EVIDENCE_CHARS = 2000


def fact_specs(extractors: Iterable[Extractor]) -> dict[tuple[str, str], FactSpec]:
    """Every declared fact by (topic, attribute)."""
    specs: dict[tuple[str, str], FactSpec] = {}
    for extractor in extractors:
        for spec in extractor.facts or ():
            specs.setdefault((spec.topic, spec.attribute), spec)
    return specs


def spec_for(claim: Claim, specs: Mapping[tuple[str, str], FactSpec]) -> FactSpec | None:
    spec = specs.get((claim.topic, claim.attribute))
    if spec is None or (spec.subjects is not None and claim.subject not in spec.subjects):
        return None
    return spec


def check_claim(claim: Any, article: Article, specs: Mapping[tuple[str, str], FactSpec]) -> str | None:
    """Why a returned claim is unusable, or None when it is fine."""
    if not isinstance(claim, Claim):
        return f"returned a {type(claim).__name__}, not a Claim"
    for name in ("topic", "subject", "attribute", "evidence"):
        value = getattr(claim, name)
        if not isinstance(value, str) or not value:
            return f"claim {name} must be a non-empty string"
    if len(claim.evidence) > MAX_EVIDENCE_CHARS:
        return f"evidence longer than {MAX_EVIDENCE_CHARS} characters"
    if claim.evidence not in article.title and claim.evidence not in article.text:
        return f"evidence {claim.evidence[:60]!r} is not in the article"
    confidence = claim.confidence
    if not isinstance(confidence, int | float) or not math.isfinite(confidence) or not 0 <= confidence <= 1:
        return f"confidence {confidence!r} is not a number from 0 to 1"
    spec = spec_for(claim, specs)
    if spec is None:
        return f"key {claim.key!r} is not in the extractor's declared facts"
    problem = spec.check_value(claim.value)
    return f"{claim.key}: {problem}" if problem else None


class Vocabulary:
    """The declared facts of a set of extractors: per extractor (to check its claims) and together."""

    def __init__(self, extractors: Mapping[str, Extractor]):
        self.by_extractor = {name: fact_specs([extractor]) for name, extractor in extractors.items()}
        self.specs = fact_specs(extractors.values())

    def spec(self, key: str) -> FactSpec | None:
        """The FactSpec of a full key (``topic.subject.attribute``), if some extractor declares it."""
        topic, _, rest = key.partition(".")
        subject, _, attribute = rest.rpartition(".")
        spec = self.specs.get((topic, attribute))
        if (
            spec
            and (spec.subjects is None or subject in spec.subjects)
            and fact_key(topic, subject, attribute) == key
        ):
            return spec
        return None

    def specs_by_key(self, keys: Iterable[str]) -> dict[str, FactSpec]:
        return {key: spec for key in keys if (spec := self.spec(key)) is not None}
