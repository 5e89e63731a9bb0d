"""One poll of one feed, end to end.

fetch -> parse -> dedup -> enrich -> extract happen outside any database
transaction (they wait on the network and on plugins); the outcome - new
articles, their claims, the changes they make and the alert outbox rows -
is then written in ONE transaction, together with the feed's new state.
A crash before that commit loses nothing: the next poll sees the same
entries as new again.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .. import metrics
from ..config import ServiceConfig
from ..errors import FetchError
from ..facts.analysis import Analysis, analyse, decider
from ..ingest.fetch import fetch_feed
from ..ingest.identity import unseen
from ..ingest.parse import parse_feed
from ..model import Article, Change
from ..store import ArticleConflict, FeedRelease, FeedState, NewArticle
from .runtime import Runtime

__all__ = ["PollOutcome", "next_poll_after_failure", "next_poll_after_success", "poll_feed", "store_articles"]

log = logging.getLogger(__name__)

FAILING_THRESHOLD = 5
MAX_EXTRACT_ATTEMPTS = 3


@dataclass(frozen=True)
class PollOutcome:
    feed: str
    status: int | None
    new: int = 0
    changes: int = 0
    entries: int = 0  # entries in the fetched feed, new or not
    error: str | None = None
    warning: str | None = None
    duration: float = 0.0
    skipped: str | None = None  # "not modified" or "same bytes"

    def log_line(self) -> str:
        status = self.status if self.status is not None else "-"
        line = f"feed={self.feed} status={status} new={self.new} changes={self.changes} took={self.duration:.2f}s"
        if self.skipped:
            line += f" ({self.skipped})"
        if self.error:
            line += f" error={self.error}"
        elif self.warning:
            line += f" warning={self.warning}"
        return line


def _jittered(seconds: float, jitter: float) -> float:
    return seconds * (1 + random.uniform(-jitter, jitter))


def next_poll_after_success(feed: FeedState, service: ServiceConfig, now: datetime) -> datetime:
    return now + timedelta(seconds=_jittered(feed.interval, service.jitter))


def next_poll_after_failure(
    failures: int, feed: FeedState, service: ServiceConfig, now: datetime, retry_after: float | None
) -> datetime:
    """Exponential backoff per failing feed, capped; never sooner than the interval or Retry-After."""
    backoff = min(service.backoff_max, service.backoff_base * 2 ** max(0, failures - 1))
    delay = max(feed.interval, _jittered(backoff, service.jitter))
    if retry_after is not None:
        delay = max(delay, min(retry_after, service.backoff_max))
    return now + timedelta(seconds=delay)


def poll_feed(rt: Runtime, feed: FeedState, *, now: datetime | None = None) -> PollOutcome:
    started = time.perf_counter()
    service = rt.config.service
    now = now or datetime.now(UTC)
    try:
        with metrics.fetch_timer():
            fetched = fetch_feed(
                rt.http, feed.url, service=service, etag=feed.etag, last_modified=feed.last_modified
            )
        state: dict[str, object] = {
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "last_status": fetched.status,
        }
        if fetched.not_modified:
            return _finish(rt, feed, now, started, state, status=fetched.status, skipped="not modified")
        body_hash = hashlib.sha256(fetched.body or b"").hexdigest()
        if body_hash == feed.body_hash:
            return _finish(rt, feed, now, started, state, status=fetched.status, skipped="same bytes")
        parsed = parse_feed(
            fetched.body or b"",
            fetched.headers,
            feed=feed.name,
            url=fetched.url,
            fetched=now,
            outlet=feed.outlet,
            max_entries=service.max_entries,
            max_field_chars=service.max_field_chars,
        )
    except FetchError as exc:
        return _fail(rt, feed, now, started, exc)
    warning = parsed.warning
    if parsed.truncated:
        warning = f"{parsed.truncated} entries over the cap of {service.max_entries} dropped" + (
            f"; {warning}" if warning else ""
        )
    state |= {"body_hash": body_hash, "last_parse_warning": warning, "unstable_ids": parsed.unstable_ids}
    new, changes = store_articles(rt, parsed.articles, feed=feed, state=state, now=now)
    return _finish(
        rt,
        feed,
        now,
        started,
        None,
        status=fetched.status,
        new=new,
        changes=changes,
        warning=warning,
        entries=len(parsed.articles),
    )


def _finish(
    rt: Runtime,
    feed: FeedState,
    now: datetime,
    started: float,
    state: dict[str, object] | None,
    *,
    status: int | None,
    new: int = 0,
    changes: int = 0,
    skipped: str | None = None,
    warning: str | None = None,
    entries: int = 0,
) -> PollOutcome:
    if state is not None:
        rt.store.release_feed(FeedRelease(feed.id, rt.instance, _success_state(rt, feed, now, 0) | state))
    return PollOutcome(
        feed.name,
        status,
        new=new,
        changes=changes,
        entries=entries,
        duration=time.perf_counter() - started,
        skipped=skipped,
        warning=warning,
    )


def _success_state(rt: Runtime, feed: FeedState, now: datetime, new: int) -> dict[str, object]:
    if feed.consecutive_failures >= FAILING_THRESHOLD:
        log.warning("feed %s recovered after %d failed polls", feed.name, feed.consecutive_failures)
    return {
        "last_poll_at": now,
        "last_success_at": now,
        "last_error": None,
        "consecutive_failures": 0,
        "last_new": new,
        "next_poll_at": next_poll_after_success(feed, rt.config.service, now),
    }


def _fail(rt: Runtime, feed: FeedState, now: datetime, started: float, exc: FetchError) -> PollOutcome:
    failures = feed.consecutive_failures + 1
    if failures == FAILING_THRESHOLD:
        # Once, not at every failure: an outage must not become a flood of notices.
        log.warning(
            "feed %s has failed %d times in a row; backing off (last error: %s)", feed.name, failures, exc
        )
    rt.store.release_feed(
        FeedRelease(
            feed.id,
            rt.instance,
            {
                "last_poll_at": now,
                "last_status": exc.status,
                "last_error": str(exc),
                "consecutive_failures": failures,
                "last_new": 0,
                "next_poll_at": next_poll_after_failure(
                    failures, feed, rt.config.service, now, exc.retry_after
                ),
            },
        )
    )
    return PollOutcome(feed.name, exc.status, error=str(exc), duration=time.perf_counter() - started)


def store_articles(
    rt: Runtime,
    items: Sequence[Article],
    *,
    feed: FeedState | None = None,
    state: dict[str, object] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Dedup, enrich, extract, decide and store ``items``; returns (new articles, changes)."""
    now = now or datetime.now(UTC)
    rotated: list[Article] = []
    fresh = unseen(items, rt.store.seen_keys, rotated)
    if rotated and state is not None:
        state["unstable_ids"] = True  # known items under new guids
    analysed: list[tuple[Analysis, list[str]]] = []
    for article, keys in fresh:
        full_text = rt.plugins.fetch_full_text(article)
        if full_text:
            article = replace(article, text=full_text[: rt.config.service.max_field_chars * 10])
        analysed.append((analyse(rt.plugins, article, timeout=rt.config.service.plugin_timeout), keys))
    for attempt in (1, 2):
        try:
            return _store(rt, analysed, feed, state, now)
        except ArticleConflict:
            # Another instance stored one of these articles meanwhile: drop
            # what is now known and try once more.
            if attempt == 2:
                raise
            still_new = {a.id for a, _ in unseen([a.article for a, _ in analysed], rt.store.seen_keys)}
            analysed = [item for item in analysed if item[0].article.id in still_new]
    raise AssertionError("unreachable")


def _store(
    rt: Runtime,
    analysed: Sequence[tuple[Analysis, list[str]]],
    feed: FeedState | None,
    state: dict[str, object] | None,
    now: datetime,
) -> tuple[int, int]:
    release = None
    if feed is not None and state is not None:
        release = FeedRelease(feed.id, rt.instance, _success_state(rt, feed, now, len(analysed)) | state)
    changes = rt.store.save_poll(
        [NewArticle(a.article, keys, a.claims, a.failed) for a, keys in analysed],
        decider(rt.plugins, [a for a, _ in analysed], policy=rt.config.policy, now=now),
        feed_id=feed.id if feed else None,
        channels=[c.name for c in rt.config.channels],
        release=release,
    )
    _log_changes(changes)
    return len(analysed), len(changes)


def _log_changes(changes: Sequence[Change]) -> None:
    for change in changes:
        log.info(
            "change %s %s: %r -> %r (%s)", change.change, change.key, change.old, change.new, change.extractor
        )


def retry_failed_extractions(rt: Runtime, *, limit: int = 20) -> int:
    """Read again, with the extractors that failed on them, articles stored with missing claims.

    After ``MAX_EXTRACT_ATTEMPTS`` the article is marked abandoned and an
    error names it: it is never silently taken as done. Returns the changes stored.
    """
    pending = rt.store.failed_articles(max_attempts=MAX_EXTRACT_ATTEMPTS, limit=limit)
    total = 0
    for article, failed, attempts in pending:
        result = analyse(rt.plugins, article, timeout=rt.config.service.plugin_timeout, only=failed)
        give_up = bool(result.failed) and attempts + 1 >= MAX_EXTRACT_ATTEMPTS
        changes = rt.store.save_reextraction(
            article.id,
            result.claims,
            decider(rt.plugins, [result], policy=rt.config.policy),
            failed=result.failed,
            attempts=attempts + 1,
            give_up=give_up,
            channels=[c.name for c in rt.config.channels],
        )
        _log_changes(changes)
        total += len(changes)
        if give_up:
            log.error(
                "article %s (%s): extractors %s failed %d times; it is kept without their claims",
                article.id[:12],
                article.url or article.title[:60],
                ", ".join(result.failed),
                attempts + 1,
            )
    return total
