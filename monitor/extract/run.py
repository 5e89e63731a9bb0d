"""Run every extractor on an article, each isolated, and check what it returns.

A plugin that raises, exits, hangs or returns garbage loses only its own
claims for that article; the failure is logged with its name and counted.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from ..api import Extractor
from ..errors import PluginError
from ..model import Article, Claim, FactSpec, fact_key
from ..plugins import PluginHost

__all__ = ["ExtractionResult", "check_claim", "extract", "fact_specs"]

log = logging.getLogger(__name__)

MAX_EVIDENCE_CHARS = 2000
MAX_CLAIMS_PER_ARTICLE = 200


@dataclass
class ExtractionResult:
    claims: list[Claim] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


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


class _Worker(threading.Thread):
    """A daemon thread that runs plugin calls one at a time."""

    def __init__(self) -> None:
        super().__init__(name="plugin-call", daemon=True)
        self.inbox: queue.SimpleQueue[tuple[Callable[[], Any], dict[str, Any], threading.Event]] = (
            queue.SimpleQueue()
        )
        self.start()

    def run(self) -> None:
        while True:
            call, outcome, done = self.inbox.get()
            try:
                outcome["value"] = call()
            except BaseException as exc:  # SystemExit from a plugin must not end the service
                outcome["error"] = exc
            finally:
                done.set()


_idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()


def call_with_timeout(call: Callable[[], Any], timeout: float) -> Any:
    """Run ``call`` on a pooled daemon thread and wait at most ``timeout`` seconds.

    A plugin that never returns keeps its thread, which is then abandoned
    (daemon threads do not hold up exit) and replaced: it costs one parked
    thread, not the poll. Threads are reused, so the common case costs no
    thread start.
    """
    try:
        worker = _idle.get_nowait()
    except queue.Empty:
        worker = _Worker()
    outcome: dict[str, Any] = {}
    done = threading.Event()
    worker.inbox.put((call, outcome, done))
    if not done.wait(timeout):
        raise TimeoutError(f"no answer within {timeout:g}s")
    _idle.put(worker)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def extract(
    host: PluginHost, article: Article, *, timeout: float = 30.0, only: Iterable[str] | None = None
) -> ExtractionResult:
    """Every extractor (or those named in ``only``) on ``article``, each isolated."""
    result = ExtractionResult()
    wanted = None if only is None else set(only)
    for name, extractor in host.extractors.items():
        if wanted is not None and name not in wanted:
            continue
        plugin = host.owner_of(extractor)
        specs = fact_specs([extractor])
        try:
            with host.guard(
                plugin, "extract", f"article {article.id[:12]} ({article.url or article.title[:60]})"
            ):
                returned = call_with_timeout(partial(extractor.extract_claims, article), timeout)
        except PluginError:
            result.failed.append(name)
            continue
        if not isinstance(returned, list | tuple):
            host.report_failure(
                plugin, "extract", article.id, f"returned {type(returned).__name__}, not a list"
            )
            result.failed.append(name)
            continue
        if len(returned) > MAX_CLAIMS_PER_ARTICLE:
            host.report_failure(
                plugin,
                "extract",
                article.id,
                f"returned {len(returned)} claims; the cap is {MAX_CLAIMS_PER_ARTICLE}",
            )
            result.failed.append(name)
            continue
        for claim in returned:
            problem = check_claim(claim, article, specs)
            if problem:
                host.report_failure(plugin, "extract", article.id, f"claim dropped: {problem}")
                continue
            result.claims.append(replace(claim, extractor=name, article=article.id))
    return result


def specs_by_key(host: PluginHost, keys: Iterable[str]) -> dict[str, FactSpec]:
    specs = fact_specs(host.extractors.values())
    out: dict[str, FactSpec] = {}
    for key in keys:
        topic, _, rest = key.partition(".")
        subject, _, attribute = rest.rpartition(".")
        spec = specs.get((topic, attribute))
        if (
            spec
            and (spec.subjects is None or subject in spec.subjects)
            and fact_key(topic, subject, attribute) == key
        ):
            out[key] = spec
    return out
