"""One test per hook in monitor.hookspecs, each through a real PluginHost and,
where the hook reaches them, the ``monitor`` command and the pipeline.

The plugins here are files in a plugin folder, the way a user writes a
one-off plugin (docs/plugins/writing-plugins.md). tests/test_docs.py checks
that every hook has a ``test_hook_<name>`` test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from monitor import PluginSettings
from monitor.cli import cli
from monitor.plugins import PluginHost
from monitor.testing import LocalServer, Response, feed_item, make_article, make_feed, run_extractor
from tests.helpers import write_config

WEATHER = '''
"""Claims the sky over one city: [plugins.weather] city = "..." (default oslo)."""
from monitor import Claim, Extractor, FactSpec, hookimpl
from monitor import text as T


class Weather(Extractor):
    name = "weather"
    facts = (FactSpec("weather", "sky", "state", "enum", values=("rain", "sun"), label="Sky"),)

    def __init__(self, city):
        self.city = city

    def extract_claims(self, article):
        for sentence in T.split_sentences(article.text):
            for value in ("rain", "sun"):
                if value in sentence.lower() and not T.is_negated(sentence):
                    return [Claim("weather", self.city, "sky", value, sentence)]
        return []


@hookimpl
def register_extractors(register, settings):
    register(Weather(settings.for_plugin("weather").get("city", "oslo")))
'''

FILEBOX = '''
"""A notifier that appends each alert, as the JSON payload, to a file."""
import json
from pathlib import Path

from monitor import ConfigError, DeliveryError, Notifier, hookimpl
from monitor.deliver.alert_text import payload


class FileBox(Notifier):
    type = "filebox"
    options = {"path": "file that receives one JSON line per alert (required)"}

    @classmethod
    def from_config(cls, name, config):
        if not isinstance(config.get("path"), str):
            raise ConfigError("required: the file to write alerts to", key="path")
        return cls(name, config)

    def notify(self, alert):
        path = Path(self.config["path"])
        if not path.parent.is_dir():
            raise DeliveryError(f"{path.parent} does not exist", retryable=False)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(payload(alert)) + "\\n")


@hookimpl
def register_notifiers(register):
    register(FileBox)
'''

FULLTEXT = '''
"""Fetches the linked page of articles from /story/ links and strips its tags."""
import re

import requests

from monitor import hookimpl


@hookimpl
def fetch_full_text(article):
    if not article.url or "/story/" not in article.url:
        return None
    response = requests.get(article.url, timeout=5)
    response.raise_for_status()
    return re.sub(r"<[^>]+>", " ", response.text).strip()
'''

HELLO = '''
import click

from monitor import hookimpl


@hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("name", default="world")
    def hello(name):
        """Say hello from a plugin."""
        click.echo(f"hello, {name}")
'''


def plugin_folder(root: Path, **files: str) -> Path:
    folder = root / "plugins.d"
    folder.mkdir(exist_ok=True)
    for name, source in files.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


def monitor(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def test_hook_register_extractors(tmp_path: Path, feed_server: LocalServer) -> None:
    folder = plugin_folder(tmp_path, weather=WEATHER)

    # The host: the extractor is registered, with its [plugins.weather] options.
    settings = PluginSettings(tmp_path, {"weather": {"city": "bergen"}})
    host = PluginHost([folder], entry_points=False, settings=settings).load()
    assert host.plugins["weather"].hooks == ["register_extractors"]
    assert host.plugins["weather"].extractors == ["weather"]
    [claim] = run_extractor(host.extractors["weather"], "Heavy rain all day. Sun tomorrow.")
    assert (claim.key, claim.value, claim.evidence) == ("weather.bergen.sky", "rain", "Heavy rain all day.")

    # The command line and the pipeline, from a config that names the folder.
    feed = feed_server.url("/wire.xml")
    config = write_config(
        tmp_path, {"wire": feed}, '[plugins]\ndirs = ["plugins.d"]\n[plugins.weather]\ncity = "bergen"\n'
    )
    listed = {p["name"]: p for p in json.loads(ok(monitor(config, "plugins", "--json")))}
    assert listed["weather"]["source"] == "directory" and listed["weather"]["extractors"] == ["weather"]
    article = tmp_path / "article.txt"
    article.write_text("Forecast\n\nSun over the fjords all week.\n")
    [line] = ok(monitor(config, "extract", "--json", "--extractor", "weather", str(article))).splitlines()
    assert json.loads(line)["key"] == "weather.bergen.sky" and json.loads(line)["value"] == "sun"

    feed_server.serve("/wire.xml", make_feed([feed_item(1, "Heavy rain all day in Bergen.")]))
    ok(monitor(config, "poll"))
    changes = [json.loads(line) for line in ok(monitor(config, "changes", "--json")).splitlines()]
    assert [(c["key"], c["change"], c["new"], c["extractor"]) for c in changes] == [
        ("weather.bergen.sky", "new", "rain", "weather")
    ]


def test_hook_register_notifiers(tmp_path: Path, feed_server: LocalServer) -> None:
    folder = plugin_folder(tmp_path, filebox=FILEBOX, weather=WEATHER)
    host = PluginHost([folder], entry_points=False).load()
    assert host.plugins["filebox"].notifiers == ["filebox"]
    assert host.notifier_types["filebox"].type == "filebox"

    box = tmp_path / "alerts.jsonl"
    feed = feed_server.serve("/wire.xml", make_feed([feed_item(1, "Sun over the city today.")]))
    dirs = '[plugins]\ndirs = ["plugins.d"]\n'

    def channel(**options: str) -> Path:
        body = "".join(f'{key} = "{value}"\n' for key, value in options.items())
        return write_config(
            tmp_path, {"wire": feed}, f'{dirs}[[channels]]\nname = "box"\ntype = "filebox"\n{body}'
        )

    # The core refuses keys the notifier does not declare in ``options``,
    # and reports what from_config refuses, both as one line with exit 2.
    wrong_key = monitor(channel(pth=str(box)), "alerts", "test", "box")
    assert wrong_key.exit_code == 2 and "unknown key 'pth'" in wrong_key.stderr
    missing = monitor(channel(), "alerts", "test", "box")
    assert missing.exit_code == 2 and "required: the file to write alerts to" in missing.stderr

    # A final DeliveryError is reported as permanent.
    failed = monitor(channel(path=str(tmp_path / "nowhere" / "a.jsonl")), "alerts", "test", "box")
    assert failed.exit_code == 1 and "FAILED (permanent)" in failed.stdout

    config = channel(path=str(box))
    assert "box: delivered test alert" in ok(monitor(config, "alerts", "test", "box"))
    [test_alert] = [json.loads(line) for line in box.read_text().splitlines()]
    assert test_alert["test"] is True

    # The pipeline: a change found by a poll is delivered through the channel.
    ok(monitor(config, "poll"))
    assert "1 sent" in ok(monitor(config, "alerts", "deliver"))
    alert = json.loads(box.read_text().splitlines()[-1])
    assert alert["test"] is False
    assert [(c["key"], c["new"]) for c in alert["changes"]] == [("weather.oslo.sky", "sun")]


def test_hook_fetch_full_text(tmp_path: Path, feed_server: LocalServer) -> None:
    folder = plugin_folder(
        tmp_path,
        fulltext=FULLTEXT,
        weather=WEATHER,
        none_here="from monitor import hookimpl\n\n@hookimpl\ndef fetch_full_text(article):\n    return None\n",
        raises="from monitor import hookimpl\n\n@hookimpl\ndef fetch_full_text(article):\n"
        "    raise RuntimeError('paywall')\n",
    )
    page = feed_server.route(
        "/story/1", lambda r: Response(200, b"<p>Heavy rain all day.</p>", {"Content-Type": "text/html"})
    )

    # The host: a raising implementation and one answering None do not stop
    # the one that has the text.
    host = PluginHost([folder], entry_points=False).load()
    assert host.fetch_full_text(make_article("Read more.", url=page)) == "Heavy rain all day."
    assert host.failures[("raises", "fetch_full_text")] == 1
    assert host.fetch_full_text(make_article("Read more.", url="https://example.org/other")) is None

    # The pipeline: the extractor reads the full text, not the feed's summary.
    feed = feed_server.serve("/wire.xml", make_feed([feed_item(1, "Read more.", link=page)]))
    config = write_config(tmp_path, {"wire": feed}, '[plugins]\ndirs = ["plugins.d"]\n')
    ok(monitor(config, "poll"))
    [change] = [json.loads(line) for line in ok(monitor(config, "changes", "--json")).splitlines()]
    assert (change["key"], change["new"], change["evidence"]) == (
        "weather.oslo.sky",
        "rain",
        "Heavy rain all day.",
    )


def test_hook_register_commands(tmp_path: Path) -> None:
    folder = plugin_folder(
        tmp_path,
        hello=HELLO,
        broken_cli="from monitor import hookimpl\n\n@hookimpl\ndef register_commands(cli):\n"
        "    raise RuntimeError('no commands today')\n",
    )
    host = PluginHost([folder], entry_points=False).load()
    assert host.plugins["hello"].hooks == ["register_commands"]

    @click.group()
    def group() -> None:
        pass

    host.call_commands(group)
    assert host.failures[("broken_cli", "register_commands")] == 1
    result = CliRunner().invoke(group, ["hello", "plugins"])
    assert result.exit_code == 0 and result.stdout == "hello, plugins\n"


@pytest.mark.slow
def test_plugin_commands_reach_the_monitor_command(tmp_path: Path) -> None:
    plugin_folder(tmp_path, hello=HELLO)
    config = write_config(tmp_path, {}, '[plugins]\ndirs = ["plugins.d"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | {
        "MONITOR_CONFIG": str(config)
    }
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "hello", "you"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "hello, you\n", done.stderr


def test_plugins_check_reports_each_problem_in_one_line(tmp_path: Path) -> None:
    plugin_folder(
        tmp_path,
        broken="import does_not_exist\n",
        typo="from monitor import hookimpl\n\n@hookimpl\ndef register_extractor(register):\n    pass\n",
        lazy="from monitor import Extractor, hookimpl\n\nclass Lazy(Extractor):\n    name = 'lazy'\n\n"
        "@hookimpl\ndef register_extractors(register):\n    register(Lazy())\n",
    )
    config = write_config(tmp_path, {}, '[plugins]\ndirs = ["plugins.d"]\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "plugins", "--check"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("broken (") and "ModuleNotFoundError" in line and "does_not_exist" in line
        for line in lines
    )
    assert any(line.startswith("typo (") and "register_extractor" in line for line in lines)
    assert any("extractor 'lazy': does not implement extract_claims" in line for line in lines)
    assert any("extractor 'lazy': declares no facts" in line for line in lines)
    assert lines[-1].endswith("problems")
    clean = write_config(tmp_path / "clean", {})
    ok_result = CliRunner().invoke(cli, ["--config", str(clean), "plugins", "--check"])
    assert ok_result.exit_code == 0, ok_result.stdout


FORECAST = '''
"""The weather extractor's facts followed as a story, its baseline article beside the module."""
from pathlib import Path

from monitor import Story, hookimpl


@hookimpl
def register_stories(register):
    register(
        Story(
            name="forecast",
            title="The sky over Oslo",
            topics=("weather",),
            baseline=(Path(__file__).parent / "forecast-baseline.txt",),
            terms=("sky", "rain", "sun"),
        )
    )
'''


def test_hook_register_stories(tmp_path: Path, feed_server: LocalServer) -> None:
    folder = plugin_folder(tmp_path, weather=WEATHER, forecast=FORECAST)
    (folder / "forecast-baseline.txt").write_text("Forecast\n\nRain over Oslo all day.\n")

    # The host: the story is registered and owns the weather facts.
    host = PluginHost([folder], entry_points=False).load()
    assert host.plugins["forecast"].stories == ["forecast"]
    story = host.stories["forecast"]
    assert story.owns("weather.oslo.sky") and not story.owns("coalition.FR.troop_stance")
    assert story.relevant("Sun all week") and not story.relevant("Markets fell")

    # The command line: listed, built on its own, shown on its own.
    feed = feed_server.serve("/wire.xml", make_feed([feed_item(1, "Sun over the city today.")]))
    config = write_config(tmp_path, {"wire": feed}, '[plugins]\ndirs = ["plugins.d"]\n')
    listed = {s["name"]: s for s in json.loads(ok(monitor(config, "stories", "--json")))}
    assert listed["forecast"]["baseline"]["built"] is False
    assert listed["forecast"]["facts"] == ["weather.sky"] and listed["forecast"]["plugin"] == "forecast"
    assert "forecast: baseline stored: 1 facts from forecast-baseline.txt" in ok(
        monitor(config, "baseline", "build", "--story", "forecast")
    )
    [fact] = json.loads(ok(monitor(config, "baseline", "show", "--story", "forecast", "--json")))
    assert (fact["key"], fact["value"]) == ("weather.oslo.sky", "rain")

    # The pipeline: the news is a change from the story's baseline, not "new".
    ok(monitor(config, "poll"))
    changes = [json.loads(line) for line in ok(monitor(config, "changes", "--json")).splitlines()]
    assert [(c["key"], c["change"], c["old"], c["new"]) for c in changes] == [
        ("weather.oslo.sky", "changed", "rain", "sun")
    ]
    shown = ok(monitor(config, "stories"))
    assert "built from forecast-baseline.txt: 1 facts" in shown and "weather.oslo.sky" in shown
