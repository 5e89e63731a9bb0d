"""Run every extractor on an article, each isolated, and check what it returns.

A plugin that raises, exits, hangs or returns garbage loses only its own
claims for that article; the failure is logged with its name and counted.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from ..errors import PluginError
from ..model import Article, Claim
from ..plugins import PluginHost
from .vocabulary import check_claim

__all__ = ["ExtractionResult", "extract"]

log = logging.getLogger(__name__)

MAX_CLAIMS_PER_ARTICLE = 200


@dataclass
class ExtractionResult:
    claims: list[Claim] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


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
    host: PluginHost, article: Article, *, timeout: float, only: Iterable[str] | None = None
) -> ExtractionResult:
    """Every extractor (or those named in ``only``) on ``article``, each isolated.

    ``timeout`` is ``[service] plugin_timeout``: every caller passes the configured one.
    """
    result = ExtractionResult()
    wanted = None if only is None else set(only)
    vocabulary = host.vocabulary
    for name, extractor in host.extractors.items():
        if wanted is not None and name not in wanted:
            continue
        plugin = host.owner_of(extractor)
        specs = vocabulary.by_extractor[name]
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
