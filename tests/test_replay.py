"""`monitor replay`: a story added after a month of stored articles gets its baseline and their changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.testing import LocalServer, Response
from tests.helpers import item, rss, write_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs/examples/stories/eu-us-trade.toml"
BASELINE = (
    "EU and US still negotiating\n\n"
    "BRUSSELS - The European Union is still negotiating with the United States over a trade deal. "
    "Washington has threatened tariffs of 30% on EU goods from August.\n"
)
FIRST = "The EU and the United States agreed a deal which sets a tariff of 15% on most EU goods, the Commission said."
LATER = "Washington raised the tariff of 20% on EU goods, the Commission said."
CHANNEL = '[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{url}"\n'


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def stored_changes(config: Path) -> list[tuple[str, str, object]]:
    lines = invoke(config, "changes", "--json").splitlines()
    return [(c["key"], c["change"], c["new"]) for c in map(json.loads, reversed(lines))]


def add_story(tmp_path: Path) -> None:
    stories = tmp_path / "config/stories"
    stories.mkdir(parents=True)
    (stories / "trade-baseline.txt").write_text(BASELINE)
    (stories / "eu-us-trade.toml").write_text('baseline = "trade-baseline.txt"\n' + EXAMPLE.read_text())


def test_a_story_added_later_replays_the_stored_articles(tmp_path: Path, feed_server: LocalServer) -> None:
    feed_server.route("/hook", lambda r: Response(200, b""))
    # Served newest first, as feeds are; replay reads them in publication order.
    feed = feed_server.serve(
        "/trade.xml",
        rss(
            [
                item(2, LATER, title="US raises tariff", when=datetime(2025, 8, 20, tzinfo=UTC)),
                item(1, FIRST, title="Trade deal agreed", when=datetime(2025, 7, 28, tzinfo=UTC)),
            ]
        ),
    )
    config = write_config(tmp_path, {"wire": feed}, CHANNEL.format(url=feed_server.url("/hook")))
    assert "2 new" in invoke(config, "poll")
    assert [c for c in stored_changes(config) if c[0].startswith("eu_us_trade.")] == []

    add_story(tmp_path)  # a month later: the story is added
    out = invoke(config, "replay", "--story", "eu_us_trade", "--dry-run")
    assert "would changed  eu_us_trade.deal.us_tariff: 15" in out and "(dry run: nothing stored)" in out
    assert [c for c in stored_changes(config) if c[0].startswith("eu_us_trade.")] == []

    out = invoke(config, "replay", "--story", "eu_us_trade", "--since", "2025-07-01")
    assert "2 articles" in out and "not alerted" in out
    tariff = [c for c in stored_changes(config) if c[0] == "eu_us_trade.deal.us_tariff"]
    assert tariff == [
        ("eu_us_trade.deal.us_tariff", "changed", 15),
        ("eu_us_trade.deal.us_tariff", "changed", 20),
    ]
    listed = {s["name"]: s for s in json.loads(invoke(config, "stories", "--json"))}
    assert listed["eu_us_trade"]["baseline"]["source"] == "trade-baseline.txt"
    assert invoke(config, "alerts", "--json").strip() == ""  # old news is not alerted

    # Run again (an interrupted replay resumed): nothing changes twice.
    assert "0 changes" in invoke(config, "replay", "--story", "eu_us_trade")
    assert "0 articles" in invoke(config, "replay", "--since", "2026-01-01")


def test_replay_with_alert_queues_the_alerts(tmp_path: Path, feed_server: LocalServer) -> None:
    feed_server.route("/hook", lambda r: Response(200, b""))
    feed = feed_server.serve("/trade.xml", rss([item(1, FIRST, title="Trade deal agreed")]))
    config = write_config(tmp_path, {"wire": feed}, CHANNEL.format(url=feed_server.url("/hook")))
    invoke(config, "poll")
    add_story(tmp_path)
    assert ", alerted" in invoke(config, "replay", "--story", "eu_us_trade", "--alert")
    assert invoke(config, "alerts", "--json").strip() != ""
