"""Test kit for plugin authors and for the service's own tests.

Enable it in a test suite with ``pytest_plugins = ["monitor.testing"]`` (it
is also registered as a ``pytest11`` entry point, so installed it loads by
itself). It gives real local peers, never mocks: an HTTP server on
127.0.0.1 whose answers a test scripts, and helpers to build articles and
run extractors with the same boundary checks production uses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from ..api import Extractor
from ..extract.run import extract
from ..hookspecs import hookimpl
from ..model import Article, Claim
from ..plugins import PluginHost
from .peers import (
    LocalServer,
    MailRecorder,
    RecordingNotifier,
    Request,
    Response,
    feed_server,
    smtp_server,
)
from .peers import fail_with as fail_with  # not in __all__: a helper of the service's own tests
from .project import MonitorProject, feed_item, make_feed, monitor_project

__all__ = [
    "LocalServer",
    "MailRecorder",
    "MonitorProject",
    "PluginHost",
    "RecordingNotifier",
    "Request",
    "Response",
    "feed_item",
    "feed_server",
    "make_article",
    "make_feed",
    "monitor_project",
    "plugin_host",
    "registered",
    "run_extractor",
    "smtp_server",
]


def make_article(
    text: str,
    title: str = "",
    *,
    url: str | None = "https://news.example.org/story",
    outlet: str | None = "Example News",
    published: datetime | None = None,
    feed: str | None = "example",
) -> Article:
    """An ``Article`` for extractor tests; its id is derived from url, title and text."""
    digest = hashlib.sha256(f"{url}\n{title}\n{text}".encode()).hexdigest()[:32]
    now = datetime.now(UTC)
    return Article(
        id=digest,
        title=title,
        text=text,
        url=url,
        guid=None,
        published=published or now,
        fetched=now,
        feed=feed,
        outlet=outlet,
    )


# -- extractors ---------------------------------------------------------------


@pytest.fixture
def plugin_host() -> PluginHost:
    """An isolated, loaded plugin host: no entry points, no plugin folders."""
    return PluginHost(entry_points=False).load()


@contextmanager
def registered(host: PluginHost, plugin: object, name: str = "under-test") -> Iterator[PluginHost]:
    """Register ``plugin`` (a module or object with hookimpls) for the duration of a block."""
    host.register(plugin, name)
    try:
        yield host
    finally:
        host.unregister(name)


def run_extractor(
    extractor: Extractor, article: Article | str, *, title: str = "", timeout: float = 10.0
) -> list[Claim]:
    """Run one extractor the way production does, and fail loudly on anything it would drop.

    The production boundary checks apply (declared keys, value types,
    evidence inside the article); a claim that fails them, an exception or
    a timeout fails the test with the reason.
    """
    if isinstance(article, str):
        article = make_article(article, title)

    class _Plugin:
        @hookimpl
        def register_extractors(self, register: Callable[[Extractor], None]) -> None:
            register(extractor)

    host = PluginHost(entry_points=False).load()
    host.register(_Plugin(), "under-test")
    result = extract(host, article, timeout=timeout)
    problems = [f"{plugin}/{stage}: {count} failure(s)" for (plugin, stage), count in host.failures.items()]
    if result.failed or problems:
        raise AssertionError(f"extractor {extractor.name!r} failed on the article: {'; '.join(problems)}")
    return result.claims
