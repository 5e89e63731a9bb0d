"""Faults around polling: locks, suspends, per-host limits, backoff, unstable ids."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from monitor.config import load_config
from monitor.service.daemon import Poller
from monitor.service.poll import next_poll_after_failure
from monitor.service.runtime import Runtime
from monitor.store import schema
from monitor.store.feeds import feed_states
from monitor.store.types import utcnow
from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss, write_config


def runtime(tmp_path: Path, feeds: dict[str, str], extra: str = "") -> Runtime:
    rt = Runtime(load_config(write_config(tmp_path, feeds, extra=extra, interval="1h")))
    rt.store.sync_feeds(rt.config.feeds)
    return rt


@pytest.mark.slow
def test_writers_wait_for_a_held_sqlite_write_lock(tmp_path: Path, feed_server: LocalServer) -> None:
    rt = runtime(tmp_path, {"f": feed_server.serve("/f.xml", rss([item(1)]))})
    holder = sqlite3.connect(tmp_path / "state" / "monitor.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))  # ... for a second
    release.start()
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        [outcome] = poller.poll_once()
    finally:
        poller.shutdown()
        release.join()
        holder.close()
    assert outcome.error is None and outcome.new == 1
    rt.close()


def test_after_a_long_suspend_each_feed_runs_once_not_in_a_burst(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    rt = runtime(
        tmp_path,
        {"a": feed_server.serve("/a.xml", rss([item(1)])), "b": feed_server.serve("/b.xml", rss([item(2)]))},
    )
    with rt.store.transaction() as session:  # three hours of missed polls
        session.execute(update(schema.Feed).values(next_poll_at=utcnow() - timedelta(hours=3)))
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        due = poller.claim(100)
        for feed in due:
            poller.poll(feed)
        again = poller.claim(100)
    finally:
        poller.shutdown()
        rt.close()
    assert sorted(f.name for f in due) == ["a", "b"] and again == []
    assert feed_server.hits["/a.xml"] == 1 and feed_server.hits["/b.xml"] == 1


@pytest.mark.slow
def test_per_host_concurrency_is_capped(tmp_path: Path, feed_server: LocalServer) -> None:
    lock, active, peak = threading.Lock(), [0], [0]
    gate = threading.Event()

    def slow(request: Request) -> Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        gate.wait(0.2)  # overlap the requests that are allowed to overlap
        with lock:
            active[0] -= 1
        return Response(200, rss([item(hash(request.path) % 1000)]), {"Content-Type": "application/rss+xml"})

    feeds = {f"f{i}": feed_server.route(f"/f{i}.xml", slow) for i in range(12)}
    rt = runtime(tmp_path, feeds, extra="[service]\nconcurrency = 8\nper_host = 2\n")
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        outcomes = poller.poll_once()
    finally:
        poller.shutdown()
        rt.close()
    assert len(outcomes) == 12 and all(o.error is None for o in outcomes)
    assert peak[0] == 2


def test_backoff_grows_with_a_cap_and_recovery_resets_it(tmp_path: Path, feed_server: LocalServer) -> None:
    failing = [True]
    feed_server.route("/f.xml", lambda r: Response(500, b"") if failing[0] else Response(200, rss([item(1)])))
    rt = runtime(tmp_path, {"f": feed_server.url("/f.xml")})
    service = rt.config.service
    now = utcnow()
    delays = [
        (next_poll_after_failure(n, feed_states_one(rt), service, now, None) - now).total_seconds()
        for n in range(1, 12)
    ]
    assert delays[0] >= 3600 * 0.9  # never sooner than the feed's interval
    assert max(delays) <= max(service.backoff_max, 3600) * (1 + service.jitter)
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        for _ in range(10):
            poller.poll_once()
        assert feed_states_one(rt).consecutive_failures == 10
        failing[0] = False
        [outcome] = poller.poll_once()
    finally:
        poller.shutdown()
    state = feed_states_one(rt)
    rt.close()
    assert outcome.new == 1 and state.consecutive_failures == 0 and state.last_error is None


def feed_states_one(rt: Runtime):  # type: ignore[no-untyped-def]
    with rt.store.transaction() as session:
        return feed_states(session)[0]


def test_rotating_guids_with_stable_links_give_no_duplicates(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    generation = [0]

    def rotating(request: Request) -> Response:
        generation[0] += 1
        items = [dict(item(n), guid=f"urn:rotating:{generation[0]}:{n}") for n in (1, 2)]
        return Response(200, rss(items), {"Content-Type": "application/rss+xml"})

    feed_server.route("/f.xml", rotating)
    rt = runtime(tmp_path, {"f": feed_server.url("/f.xml")})
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        first = poller.poll_once()[0]
        second = poller.poll_once()[0]
    finally:
        poller.shutdown()
        rt.close()
    assert (first.new, second.new) == (2, 0)


def test_a_poll_that_dies_gives_its_lease_back(
    tmp_path: Path, feed_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = runtime(tmp_path, {"f": feed_server.serve("/f.xml", rss([item(1)]))})

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("monitor.service.daemon.poll_feed", broken)
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        [outcome] = poller.poll_once()
    finally:
        poller.shutdown()
    state = feed_states_one(rt)
    rt.close()
    assert "internal error: RuntimeError: database went away" in outcome.error
    assert state.lease_owner is None and state.consecutive_failures == 1 and "went away" in state.last_error
