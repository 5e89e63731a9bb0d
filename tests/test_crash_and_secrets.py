"""A crash mid-poll loses nothing; secrets never reach logs, stored errors or command output."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.testing import LocalServer, MailRecorder, Response, feed_item, make_feed
from tests.helpers import write_config

KILLER = """
import os, signal
from pathlib import Path
from monitor import Extractor, hookimpl

MARKER = Path(__file__).with_name("killed-once")

class Killer(Extractor):
    name = "killer"
    facts = ()

    def extract_claims(self, article):
        if not MARKER.exists():
            MARKER.write_text("x")
            os.kill(os.getpid(), signal.SIGKILL)  # the process dies mid-poll, before the commit
        return []

@hookimpl
def register_extractors(register):
    register(Killer())
"""


def monitor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env or dict(os.environ),
    )


@pytest.mark.slow
def test_a_kill_mid_poll_before_the_commit_loses_nothing(tmp_path: Path, feed_server: LocalServer) -> None:
    text = "Poland will not send troops to Ukraine, Prime Minister Donald Tusk said."
    feed = feed_server.serve("/wire.xml", make_feed([feed_item(1, text), feed_item(2)]))
    plugins = tmp_path / "plugins.d"
    plugins.mkdir()
    (plugins / "killer.py").write_text(textwrap.dedent(KILLER))
    baseline = (
        Path(__file__).resolve().parents[1]
        / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
    )
    config = write_config(
        tmp_path,
        {"wire": feed},
        extra=f'[plugins]\ndirs = ["plugins.d"]\n\n[baseline]\n'
        f'article = "{baseline}"\n\n[service]\nlease = 1\n',
    )
    died = monitor("--config", str(config), "poll")
    assert died.returncode == -signal.SIGKILL
    database = tmp_path / "state" / "monitor.db"
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from articles").fetchone() == (0,)  # nothing half-written
        assert db.execute("select count(*) from changes").fetchone() == (0,)
    time.sleep(1.1)  # the dead poll's lease on the feed runs out
    again = monitor("--config", str(config), "poll")
    assert again.returncode == 0, again.stderr
    assert "2 new articles, 1 change," in again.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("select key, new from changes").fetchall() == [
            ("coalition.PL.troop_stance", '"declines"')
        ]


@pytest.mark.slow
def test_secrets_never_reach_logs_stored_errors_or_output(
    tmp_path: Path, feed_server: LocalServer, smtp_server: MailRecorder
) -> None:
    token, password, user = "tok3nS3CRET", "hunter2-Passw0rd", "hookuser"
    secret = base64.b64encode(b"webhook signing secret, 32 bytes").decode()
    answers = [Response(500, b"try later"), Response(404, b"no")]
    feed_server.route("/hook/" + token, lambda r: answers.pop(0) if answers else Response(200))
    text = "Poland will not send troops to Ukraine, Prime Minister Donald Tusk said."
    feed_server.serve("/wire.xml", make_feed([feed_item(1, text)]))
    hook_url = feed_server.url(f"/hook/{token}?token={token}").replace(
        "http://", f"http://{user}:{password}@"
    )
    extra = f"""
[[channels]]
name = "hook"
type = "webhook"
url = "{hook_url}"
secret_env = "TEST_HOOK_SECRET"

[[channels]]
name = "desk"
type = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_server.port}
security = "none"
username_env = "TEST_SMTP_USER"
password_env = "TEST_SMTP_PASSWORD"
from = "monitor@example.org"
to = ["desk@example.org"]

[alerts]
retry_base = "0.01s"
retry_max = "0.01s"
"""
    config = write_config(tmp_path, {"wire": feed_server.url(f"/wire.xml?token={token}")}, extra=extra)
    env = dict(os.environ, TEST_HOOK_SECRET=secret, TEST_SMTP_USER="desk", TEST_SMTP_PASSWORD=password)
    outputs = []
    steps = (
        ["poll"],
        ["feeds"],
        ["alerts", "deliver"],
        ["alerts", "deliver"],
        ["alerts"],
        ["alerts", "test", "hook"],
        ["alerts", "test", "desk"],
        ["status"],
        ["check"],
        ["--log-format", "json", "alerts", "test", "hook"],
    )
    for args in steps:  # a change, then deliveries answered 500, then 404 (dead), all stored
        if args == ["alerts", "deliver"]:
            time.sleep(0.05)  # past the 0.01 s retry delay
        done = monitor("--log-level", "DEBUG", "--config", str(config), *args, env=env)
        outputs += [done.stdout, done.stderr]
    outputs.append(CliRunner().invoke(cli, ["--config", str(config), "alerts", "--json"]).output)
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:  # the error columns
        stored = " ".join(
            str(row)
            for query in (
                "select last_error, last_parse_warning from feeds",
                "select last_error from alerts",
                "select disabled_reason from channel_states",
            )
            for row in db.execute(query).fetchall()
        )
    everything = "\n".join([*outputs, stored])
    assert "HTTP 500" in everything and "HTTP 404" in everything  # the errors themselves are there ...
    for leaked in (token, password, secret, f"{user}:"):
        at = everything.find(leaked)
        assert at < 0, everything[max(0, at - 300) : at + 60]  # ... the secrets are not


@pytest.mark.slow
def test_feed_url_secrets_stay_out_of_feeds_json_and_debug_logs(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    """Issue 12 item 9: userinfo, a query token and a token in the path."""
    path_token, query_token, password = "k3y9Qz7Xw2Lm5Np8Rt", "Q9tok3nVALUE42", "pw7secretword"
    feed_server.serve(f"/private/{path_token}/a.xml", make_feed([feed_item(1)]))
    url = f"http://reader:{password}@127.0.0.1:{feed_server.port}/private/{path_token}/a.xml?token={query_token}"
    config = write_config(tmp_path, {"wire": url})
    outputs = []
    for args in (["poll"], ["feeds", "--json"], ["feeds"], ["status", "--json"]):
        done = monitor("--log-level", "DEBUG", "--config", str(config), *args)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    assert feed_server.hits[f"/private/{path_token}/a.xml"] == 1
    everything = "\n".join(outputs)
    assert f"127.0.0.1:{feed_server.port}/private/***/a.xml?token=***" in everything  # still recognisable
    for leaked in (path_token, query_token, password, "reader:"):
        at = everything.find(leaked)
        assert at < 0, everything[max(0, at - 300) : at + 60]
