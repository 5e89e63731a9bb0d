"""Each story has its own baseline: from its own article, or learnt in a window."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.store import BaselineFact, Store
from monitor.testing import LocalServer, Response
from tests.helpers import item, rss, write_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs/examples/stories/eu-us-trade.toml"
BASELINE_TEXT = (
    "EU and US still negotiating\n\n"
    "BRUSSELS - The European Union is still negotiating with the United States over a trade deal. "
    "Washington has threatened tariffs of 30% on EU goods from August.\n"
)
NEWS = (
    "The European Union has signed the trade deal with the United States, which sets a tariff of 15% on most "
    "EU goods, Commission President Ursula von der Leyen said on Sunday."
)
LATER = "Washington raised the tariff of 20% on EU goods, the Commission said."
CHANNEL = '[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{url}"\n'


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def project(tmp_path: Path, feeds: dict[str, str], extra: str = "", *, baseline: bool = False) -> Path:
    """The example trade story in config/stories/, with or without a baseline article of its own."""
    stories = tmp_path / "config/stories"
    stories.mkdir(parents=True)
    text = EXAMPLE.read_text()
    if baseline:
        (stories / "trade-baseline.txt").write_text(BASELINE_TEXT)
        text = 'baseline = "trade-baseline.txt"\ntitle = "EU-US trade"\n' + text
    (stories / "eu-us-trade.toml").write_text(text)
    return write_config(tmp_path, feeds, extra)


def trade_changes(config: Path) -> list[tuple[str, str, object]]:
    changes = [json.loads(line) for line in invoke(config, "changes", "--json").splitlines()]
    return sorted((c["key"], c["change"], c["new"]) for c in changes if c["key"].startswith("eu_us_trade."))


def test_a_story_with_its_own_article_gets_its_baseline_at_first_start(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    feed = feed_server.serve("/trade.xml", rss([item(1, NEWS, title="EU and US sign trade deal")]))
    config = project(tmp_path, {"wire": feed}, baseline=True)
    invoke(config, "poll")
    listed = {s["name"]: s for s in json.loads(invoke(config, "stories", "--json"))}
    assert listed["eu_us_trade"]["title"] == "EU-US trade"
    assert listed["eu_us_trade"]["baseline"]["source"] == "trade-baseline.txt"
    assert listed["coalition"]["baseline"]["facts"] == 16  # the bundled story, from its package data
    assert ("eu_us_trade.deal.us_tariff", "changed", 15) in trade_changes(config)
    assert listed["eu_us_trade"]["last_change"]["key"].startswith("eu_us_trade.")


def test_a_story_without_an_article_learns_its_baseline_instead_of_new_alerts(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    feed_server.route("/hook", lambda r: Response(200, b""))
    feed = feed_server.serve("/trade.xml", rss([item(1, NEWS, title="EU and US sign trade deal")]))
    config = project(tmp_path, {"wire": feed}, CHANNEL.format(url=feed_server.url("/hook")))
    invoke(config, "poll")
    assert trade_changes(config) == []  # first seen in the window: its baseline, not "new"
    learnt = {
        f["key"]: f["value"]
        for f in json.loads(invoke(config, "baseline", "show", "--story", "eu_us_trade", "--json"))
    }
    assert learnt["eu_us_trade.deal.us_tariff"] == 15
    assert "learning until" in invoke(config, "stories")

    feed_server.serve("/trade.xml", rss([item(2, LATER, title="US raises tariff")]))
    invoke(config, "poll")
    assert ("eu_us_trade.deal.us_tariff", "changed", 20) in trade_changes(config)
    alerts = [json.loads(line) for line in invoke(config, "alerts", "--json").splitlines()]
    assert alerts == []  # nothing of a learning story alerts


def test_with_no_learning_window_first_values_are_new(tmp_path: Path, feed_server: LocalServer) -> None:
    feed = feed_server.serve("/trade.xml", rss([item(1, NEWS, title="EU and US sign trade deal")]))
    config = project(tmp_path, {"wire": feed}, "[baseline]\nlearning_hours = 0\n")
    invoke(config, "poll")
    assert ("eu_us_trade.deal.us_tariff", "new", 15) in trade_changes(config)


def test_baseline_article_override_for_one_story(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text(BASELINE_TEXT.replace("30%", "25%"))
    config = project(
        tmp_path, {}, '[baseline]\narticle = "other.txt"\nstory = "eu_us_trade"\n', baseline=True
    )
    out = invoke(config, "baseline", "build")
    assert "eu_us_trade: baseline stored" in out and "from other.txt" in out
    assert "coalition: baseline stored: 16 facts" in out
    facts = json.loads(invoke(config, "baseline", "show", "--story", "eu_us_trade", "--json"))
    assert {f["key"]: f["value"] for f in facts}["eu_us_trade.deal.us_tariff"] == 25
    assert "already stored" in invoke(config, "baseline", "build", "--story", "coalition")


def test_a_baseline_stored_before_stories_had_their_own_is_adopted(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    (tmp_path / "state").mkdir()
    store = Store(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}").migrate()
    store.save_baseline(
        [
            BaselineFact(
                "coalition.coalition.troop_pledges", "state", 26, "26 countries.", "coalition", 0.9, "old.txt"
            )
        ]
    )
    store.dispose()
    assert json.loads(invoke(config, "stories", "--json"))[0]["baseline"]["built"] is False
    invoke(config, "poll")
    [story] = [s for s in json.loads(invoke(config, "stories", "--json")) if s["name"] == "coalition"]
    assert (story["baseline"]["source"], story["baseline"]["facts"]) == ("old.txt", 1)  # kept, not rebuilt
