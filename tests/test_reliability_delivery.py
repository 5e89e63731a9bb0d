"""Issue 12 item 10 (alerts in creation order after an outage) and item 8 (leases renewed while polling)."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

from monitor.config import load_config
from monitor.deliver.delivery import Deliverer
from monitor.ingest.identity import unseen
from monitor.model import Article
from monitor.service.daemon import Poller, poll_all
from monitor.service.runtime import Runtime
from monitor.store.feeds import claim_due_feeds
from monitor.store.types import utcnow
from monitor.testing import LocalServer, Request, Response
from tests.helpers import LEVEL_PLUGIN, item, rss, write_config

ALERTS = 8


def test_alerts_queued_during_an_outage_arrive_in_creation_order(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    down = [True]
    received: list[str] = []

    def hook(request: Request) -> Response:
        if down[0]:
            return Response(503, b"down")
        received.extend(change["key"] for change in json.loads(request.body)["changes"])
        return Response(200, b"ok")

    feed_server.route("/hook", hook)
    feeds = {
        f"f{i}": feed_server.serve(f"/f{i}.xml", rss([item(i + 1, f"The level of f{i} is {i}.")]))
        for i in range(ALERTS)
    }
    (tmp_path / "plugins.d").mkdir()
    (tmp_path / "plugins.d" / "level.py").write_text(textwrap.dedent(LEVEL_PLUGIN))
    extra = f"""
[plugins]
dirs = ["plugins.d"]

[alerts]
retry_base = "1s"
retry_max = "8s"

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
"""
    rt = Runtime(load_config(write_config(tmp_path, feeds, extra=extra)))
    deliverer = Deliverer(rt)
    start = utcnow()
    try:
        for i in range(ALERTS):  # one change per poll, created in this order, while the hook is down
            [outcome] = poll_all(rt, [f"f{i}"])
            assert outcome.changes == 1
            deliverer.deliver_due(now=start + timedelta(seconds=i))
        down[0] = False
        # The clock moves in small steps: each retry falls due at its own jittered time.
        for step in range(400):
            deliverer.deliver_due(now=start + timedelta(seconds=ALERTS + step * 0.25))
            if len(received) == ALERTS:
                break
    finally:
        rt.close()
    assert received == [f"t.f{i}.level" for i in range(ALERTS)]


def test_a_poll_that_outlives_its_lease_keeps_it(tmp_path: Path, feed_server: LocalServer) -> None:
    """Issue 12 item 8: the lease of a feed being polled is renewed while the poll
    runs, so a second instance cannot take the feed when the first lease would
    have run out."""
    release = threading.Event()
    arrived = threading.Event()

    def slow(request: Request) -> Response:
        arrived.set()
        release.wait(60)
        return Response(200, rss([item(1)]), {"Content-Type": "application/rss+xml"})

    feed_server.route("/slow.xml", slow)
    extra = '[service]\nlease = "1s"\nmin_interval = "1s"\n'
    config = load_config(write_config(tmp_path, {"slow": feed_server.url("/slow.xml")}, extra=extra))
    first, second = Runtime(config, instance="first"), Runtime(config, instance="second")
    first.store.sync_feeds(config.feeds)
    poller = Poller(first)
    try:
        [feed] = poller.claim(1)
        done = poller.pool.submit(poller.poll, feed)
        assert arrived.wait(30)
        original = feed.lease_until
        assert original is not None
        # Wait (bounded) until the lease was renewed past its first expiry ...
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            [state] = first.store.feed_states()
            if state.lease_until is not None and state.lease_until > original:
                break
            release.wait(0.05)
        assert state.lease_owner == "first" and state.lease_until is not None
        assert state.lease_until > original, "the lease was never renewed"
        # ... so that, at the moment the first lease would have run out, no one else gets the feed.
        with second.store.transaction() as session:
            taken = claim_due_feeds(session, "second", limit=1, lease=1.0, now=original, force=True)
        assert taken == []
        release.set()
        assert done.result(timeout=60).error is None
    finally:
        release.set()
        poller.shutdown()
        first.close()
        second.close()
    assert feed_server.hits["/slow.xml"] == 1


def test_rotating_guids_without_links_are_known_by_content_and_flagged(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    """Issue 12 item 5: the same 3 items under new guids on every fetch, no links."""
    fetches = [0]

    def rotating(request: Request) -> Response:
        fetches[0] += 1
        items = "".join(
            f"<item><title>Story {n}</title><guid isPermaLink='false'>{fetches[0]}-{n}</guid>"
            f"<description>Body of story {n}.</description></item>"
            for n in range(3)
        )
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>R</title>{items}</channel></rss>"
        return Response(200, body.encode(), {"Content-Type": "application/rss+xml"})

    feed_server.route("/rotating.xml", rotating)
    rt = Runtime(load_config(write_config(tmp_path, {"r": feed_server.url("/rotating.xml")})))
    try:
        news = [poll_all(rt)[0].new for _ in range(3)]
        [state] = rt.store.feed_states()
    finally:
        rt.close()
    assert fetches[0] == 3
    assert news == [3, 0, 0]
    assert state.unstable_ids


def test_distinct_items_that_read_alike_are_all_kept() -> None:
    """The content key never merges two items of one fetch (distinct guids, same text)."""
    alike = [
        Article(
            id=f"id{n}", feed="status", guid=f"g{n}", url=None, title="Update", text="All systems normal."
        )
        for n in range(2)
    ]
    assert len(unseen(alike, lambda keys: set())) == 2
