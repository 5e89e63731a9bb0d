"""The apprise notifier against a real local receiver through apprise's json:// schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss, write_config

CHANGE_ITEM = (
    "Twenty-seven countries have now committed to sending troops to the reassurance force for Ukraine, "
    "French President Emmanuel Macron said on Monday."
)
BASELINE = (
    Path(__file__).resolve().parents[1]
    / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
)


def _config(tmp_path: Path, feed_server: LocalServer) -> Path:
    feed = feed_server.serve("/world.xml", rss([item(1, CHANGE_ITEM, title="Coalition grows")], title="Wire"))
    extra = f"""
[baseline]
article = "{BASELINE}"

[[channels]]
name = "phones"
type = "apprise"
url_env = "TEST_APPRISE_URL"

[alerts]
retry_base = "0.01s"
retry_max = "0.01s"
"""
    return write_config(tmp_path, {"wire": feed}, extra=extra)


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


@pytest.mark.slow
def test_an_alert_reaches_the_receiver_once_and_a_refusal_is_retried(
    tmp_path: Path, feed_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[Request] = []
    answers = [Response(500, b"later")]

    def receiver(request: Request) -> Response:
        received.append(request)
        return answers.pop(0) if answers else Response(200, b"")

    feed_server.route("/apprise", receiver)
    port = feed_server.url("/").split(":")[2].split("/")[0]
    monkeypatch.setenv("TEST_APPRISE_URL", f"json://127.0.0.1:{port}/apprise")
    config = _config(tmp_path, feed_server)

    code, out = _invoke(config, "check")
    assert "error" not in out, out

    code, out = _invoke(config, "poll")
    assert code == 0 and "1 change," in out, out
    code, out = _invoke(config, "alerts", "deliver")
    assert "0 sent, 1 to retry" in out, out  # the receiver said 500: not marked sent
    code, out = _invoke(config, "alerts", "deliver")
    assert "1 sent" in out, out
    code, out = _invoke(config, "alerts", "deliver")
    assert "0 sent" in out  # nothing twice

    first, second = (json.loads(r.body) for r in received)
    assert first == second  # the same message again, its alert id included
    assert "27" in second["title"] + second["message"]
    assert "alert id: alert_" in second["message"]


def test_test_alert_and_a_missing_url_variable(
    tmp_path: Path, feed_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[Request] = []
    feed_server.route("/apprise", lambda r: (received.append(r), Response(200, b""))[1])
    config = _config(tmp_path, feed_server)

    monkeypatch.delenv("TEST_APPRISE_URL", raising=False)
    code, out = _invoke(config, "check")
    assert code == 1 and "environment variable TEST_APPRISE_URL (url_env) is not set" in out

    port = feed_server.url("/").split(":")[2].split("/")[0]
    monkeypatch.setenv("TEST_APPRISE_URL", f"json://127.0.0.1:{port}/apprise")
    code, out = _invoke(config, "alerts", "test", "phones")
    assert code == 0 and "delivered test alert" in out, out
    assert json.loads(received[0].body)["title"]


def test_a_url_apprise_does_not_know_is_a_config_error(tmp_path: Path) -> None:
    extra = '[[channels]]\nname = "x"\ntype = "apprise"\nurl = "nosuchscheme://example.org"\n'
    config = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"}, extra=extra)
    code, out = _invoke(config, "check")
    assert code == 1 and "not an apprise URL apprise knows" in out
