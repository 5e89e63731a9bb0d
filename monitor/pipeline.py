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

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import metrics
from .config import ServiceConfig
from .diff import diff_claims
from .errors import FetchError
from .extraction import extract, specs_by_key
from .feeds import identity_keys, parse_feed
from .fetch import fetch_feed
from .model import Article, Change, Claim
from .runtime import Runtime
from .store import articles as article_store
from .store import facts as fact_store
from .store.feeds import FeedState, release_feed

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
        state = {"etag": fetched.etag, "last_modified": fetched.last_modified, "last_status": fetched.status}
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
        with rt.store.transaction() as session:
            release_feed(session, feed.id, rt.instance, **_success_state(rt, feed, now, 0), **state)
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
    with rt.store.transaction() as session:
        release_feed(
            session,
            feed.id,
            rt.instance,
            last_poll_at=now,
            last_status=exc.status,
            last_error=str(exc),
            consecutive_failures=failures,
            last_new=0,
            next_poll_at=next_poll_after_failure(failures, feed, rt.config.service, now, exc.retry_after),
        )
    return PollOutcome(feed.name, exc.status, error=str(exc), duration=time.perf_counter() - started)


def _unseen(rt: Runtime, items: Sequence[Article]) -> list[tuple[Article, list[str]]]:
    # The article's own id is a key too: two identities that hash to one id
    # are one row, whatever their guid or link say.
    keyed = [(article, [*identity_keys(article), f"i:{article.id}"]) for article in items]
    with rt.store.read() as session:
        seen = article_store.seen_keys(session, (k for _, keys in keyed for k in keys))
    fresh: list[tuple[Article, list[str]]] = []
    batch: set[str] = set()
    for article, keys in keyed:
        if any(k in seen or k in batch for k in keys):
            continue
        batch.update(keys)
        fresh.append((article, keys))
    return fresh


def store_articles(
    rt: Runtime,
    items: Sequence[Article],
    *,
    feed: FeedState | None = None,
    state: dict[str, object] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Dedup, enrich, extract, diff and store ``items``; returns (new articles, changes)."""
    now = now or datetime.now(UTC)
    fresh = _unseen(rt, items)
    extracted: list[tuple[Article, list[str], list[Claim], list[str]]] = []
    for article, keys in fresh:
        full_text = rt.plugins.fetch_full_text(article)
        if full_text:
            article = replace(article, text=full_text[: rt.config.service.max_field_chars * 10])
        result = extract(rt.plugins, article, timeout=rt.config.service.plugin_timeout)
        extracted.append((article, keys, result.claims, result.failed))
    for attempt in (1, 2):
        try:
            return _store(rt, extracted, feed, state, now)
        except IntegrityError:
            # Another instance stored one of these articles meanwhile: drop
            # what is now known and try once more.
            if attempt == 2:
                raise
            still_new = {a.id for a, _ in _unseen(rt, [a for a, *_ in extracted])}
            extracted = [item for item in extracted if item[0].id in still_new]
    raise AssertionError("unreachable")


def _store(
    rt: Runtime,
    extracted: Sequence[tuple[Article, list[str], list[Claim], list[str]]],
    feed: FeedState | None,
    state: dict[str, object] | None,
    now: datetime,
) -> tuple[int, int]:
    with rt.store.transaction() as session:
        claims = [claim for *_, claims, _ in extracted for claim in claims]
        if claims:
            rt.store.lock_facts(session)
        feed_id = feed.id if feed else None
        article_store.add_articles(
            session,
            [(article, keys, feed_id, failed) for article, keys, _, failed in extracted],
        )
        article_store.add_claims(session, claims)
        stored_changes = _diff_and_record(rt, session, [(a, c) for a, _, c, _ in extracted], now)
        if feed is not None and state is not None:
            release_feed(
                session, feed.id, rt.instance, **_success_state(rt, feed, now, len(extracted)), **state
            )
    _log_changes(stored_changes)
    return len(extracted), len(stored_changes)


def _diff_and_record(
    rt: Runtime, session: Session, articles: Sequence[tuple[Article, list[Claim]]], now: datetime
) -> list[Change]:
    """Diff each article's claims against what is known, oldest first, and store the changes."""
    from .alerts import record_changes

    claims = [claim for _, article_claims in articles for claim in article_claims]
    if not claims:
        return []
    known = fact_store.load_known(session, {c.key for c in claims})
    specs = specs_by_key(rt.plugins, {c.key for c in claims})
    stored: list[Change] = []
    for article, article_claims in sorted(articles, key=lambda item: item[0].published or now):
        changes = diff_claims(article_claims, known, specs, when=article.published).changes
        stored += record_changes(session, rt, changes)
    return stored


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
    with rt.store.read() as session:
        pending = article_store.failed_articles(session, max_attempts=MAX_EXTRACT_ATTEMPTS, limit=limit)
    total = 0
    for article, failed, attempts in pending:
        result = extract(rt.plugins, article, timeout=rt.config.service.plugin_timeout, only=failed)
        give_up = bool(result.failed) and attempts + 1 >= MAX_EXTRACT_ATTEMPTS
        with rt.store.transaction() as session:
            if result.claims:
                rt.store.lock_facts(session)
            article_store.add_claims(session, result.claims)
            changes = _diff_and_record(rt, session, [(article, result.claims)], datetime.now(UTC))
            article_store.mark_extracted(session, article.id, result.failed, attempts + 1, give_up=give_up)
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
