"""A feed on a local HTTP server, through the whole poll, into the store."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config
from monitor.service.daemon import Poller
from monitor.service.runtime import Runtime
from monitor.store import schema
from monitor.testing import LocalServer, Response
from tests.helpers import item, rss, write_config


def poll(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["--config", str(config), "poll", "--json", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    outcomes = sorted((line for line in lines if "feed" in line), key=lambda o: o["feed"])
    failed = [o["feed"] for o in outcomes if o["error"]]
    assert lines[-1] == {"summary": lines[-1]["summary"]} and lines[-1]["summary"]["failed"] == failed
    assert result.exit_code == (1 if failed else 0), result.output + str(result.exception)
    return outcomes


def count(config: Path, table: type) -> int:
    rt = Runtime(load_config(config))
    with rt.store.transaction() as session:
        n = session.query(table).count()
    rt.close()
    return n


def test_poll_stores_articles_then_conditional_get_gives_304(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    url = feed_server.serve("/feed.xml", rss([item(1), item(2), item(3)]))
    config = write_config(tmp_path, {"local": url})
    first = poll(config)
    assert first[0]["status"] == 200 and first[0]["new"] == 3 and first[0]["error"] is None
    assert count(config, schema.Article) == 3
    second = poll(config)
    assert second[0]["status"] == 304 and second[0]["new"] == 0 and second[0]["skipped"] == "not modified"
    last = feed_server.by_path["/feed.xml"][-1]
    assert last.headers.get("If-None-Match") and last.headers.get("If-Modified-Since")
    assert count(config, schema.Article) == 3


def test_same_bytes_without_validators_are_not_parsed_again(tmp_path: Path, feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed.xml", rss([item(1)]), validators=False)
    config = write_config(tmp_path, {"local": url})
    assert poll(config)[0]["new"] == 1
    again = poll(config)[0]
    assert again["status"] == 200 and again["skipped"] == "same bytes"


def test_an_article_carried_by_two_feeds_is_processed_once(tmp_path: Path, feed_server: LocalServer) -> None:
    a = feed_server.serve("/a.xml", rss([item(1), item(2)]))
    b = feed_server.serve("/b.xml", rss([item(2), item(3)], title="Other outlet"))
    config = write_config(tmp_path, {"a": a, "b": b})
    outcomes = poll(config)
    assert sum(o["new"] for o in outcomes) == 3
    assert count(config, schema.Article) == 3


def test_only_new_items_are_new_on_the_next_poll(tmp_path: Path, feed_server: LocalServer) -> None:
    items = [item(1), item(2)]
    feed_server.route("/f.xml", lambda request: Response(200, rss(items)))
    config = write_config(tmp_path, {"f": feed_server.url("/f.xml")})
    assert poll(config)[0]["new"] == 2
    items.insert(0, item(3))
    assert poll(config)[0]["new"] == 1


def test_a_failing_feed_never_stops_the_others_and_backs_off(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    good = feed_server.serve("/good.xml", rss([item(1)]))
    feed_server.route("/bad.xml", lambda request: Response(500, b"oops"))
    feed_server.route(
        "/html", lambda request: Response(200, b"<html><body>hi</body></html>", {"Content-Type": "text/html"})
    )
    config = write_config(
        tmp_path,
        {
            "good": good,
            "bad": feed_server.url("/bad.xml"),
            "html": feed_server.url("/html"),
            "refused": "http://127.0.0.1:9/feed",
        },
    )
    outcomes = {o["feed"]: o for o in poll(config)}
    assert outcomes["good"]["new"] == 1
    assert outcomes["bad"]["status"] == 500 and "500" in outcomes["bad"]["error"]
    assert "not a feed" in outcomes["html"]["error"]
    assert outcomes["refused"]["error"]
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "--json"])
    states = {s["name"]: s for s in map(json.loads, result.stdout.splitlines())}
    assert states["bad"]["consecutive_failures"] == 1 and "500" in states["bad"]["last_error"]
    assert states["good"]["consecutive_failures"] == 0 and states["good"]["last_error"] is None


def test_retry_after_pushes_the_next_poll_out(tmp_path: Path, feed_server: LocalServer) -> None:
    feed_server.route("/busy", lambda request: Response(429, b"", {"Retry-After": "3600"}))
    config = write_config(tmp_path, {"busy": feed_server.url("/busy")})
    outcome = poll(config)[0]
    assert outcome["status"] == 429
    rt = Runtime(load_config(config))
    with rt.store.transaction() as session:
        feed = session.query(schema.Feed).one()
        wait = (feed.next_poll_at - feed.last_poll_at).total_seconds()
    rt.close()
    assert wait >= 3600


def test_the_poller_polls_only_due_feeds(tmp_path: Path, feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed.xml", rss([item(1)]))
    config = write_config(tmp_path, {"f": url}, interval="1h")
    rt = Runtime(load_config(config))

    rt.store.sync_feeds(rt.config.feeds)
    poller = Poller(rt, on_outcome=lambda o: None)
    try:
        first = poller.claim(10)
        assert [f.name for f in first] == ["f"]
        poller.poll(first[0])
        assert poller.claim(10) == []  # polled: not due for an hour
    finally:
        poller.shutdown()
        rt.close()
    assert feed_server.hits["/feed.xml"] == 1
