"""A feed item that changes a fact ends as one email and one signed webhook request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.testing import LocalServer, MailRecorder, Request, Response
from tests.helpers import item, rss, write_config

SECRET = base64.b64encode(b"a test secret of thirty-two bytes").decode()

CHANGE_ITEM = (
    "Twenty-seven countries have now committed to sending troops to the reassurance force for Ukraine, "
    "French President Emmanuel Macron said on Monday."
)


def verify(request: Request) -> bool:
    """The receiver's side of the Standard Webhooks signature check."""
    signed = (
        f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    )
    expected = base64.b64encode(hmac.new(base64.b64decode(SECRET), signed, hashlib.sha256).digest()).decode()
    return any(sig == f"v1,{expected}" for sig in request.headers["webhook-signature"].split())


def setup(tmp_path: Path, feed_server: LocalServer, smtp_server: MailRecorder, alerts: str = "") -> Path:
    feed = feed_server.serve("/world.xml", rss([item(1, CHANGE_ITEM, title="Coalition grows")], title="Wire"))
    baseline = (
        Path(__file__).resolve().parents[1]
        / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
    )
    extra = (
        f"""
[baseline]
article = "{baseline}"

[[channels]]
name = "desk"
type = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_server.port}
security = "none"
from = "monitor@example.org"
to = ["desk@example.org"]

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
secret_env = "TEST_WEBHOOK_SECRET"
"""
        + alerts
    )
    return write_config(tmp_path, {"wire": feed}, extra=extra)


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def test_a_changed_fact_is_one_email_and_one_signed_webhook(
    tmp_path: Path, feed_server: LocalServer, smtp_server: MailRecorder
) -> None:
    hooks: list[Request] = []
    feed_server.route("/hook", lambda r: (hooks.append(r), Response(200, b""))[1])
    config = setup(tmp_path, feed_server, smtp_server)
    assert "1 change," in invoke(config, "poll")
    assert "2 sent" in invoke(config, "alerts", "deliver")
    assert "0 sent" in invoke(config, "alerts", "deliver")  # nothing twice

    [mail] = smtp_server.received
    body = mail.message.get_body(("plain",)).get_content()
    for needed in ("26", "27", "Twenty-seven countries have now committed", "Coalition grows", "Wire"):
        assert needed in body, needed
    assert "26" in mail.message["Subject"] and "27" in mail.message["Subject"]

    [hook] = hooks
    assert verify(hook)
    [change] = json.loads(hook.body)["changes"]
    assert (change["key"], change["old"], change["new"]) == ("coalition.coalition.troop_pledges", 26, 27)
    assert "Twenty-seven countries" in change["evidence"]

    listing = invoke(config, "alerts")
    assert listing.count(" sent ") == 2


@pytest.mark.slow
def test_a_kill_after_sending_resends_with_the_same_ids(
    tmp_path: Path, feed_server: LocalServer, smtp_server: MailRecorder
) -> None:
    """kill -9 after the receivers have the alert but before it is marked sent: at most one
    duplicate, carrying the same Message-ID and webhook-id."""
    hooks: list[Request] = []
    victim: list[subprocess.Popen[str]] = []

    def kill_sender(*_: object) -> None:
        if victim and victim[0].poll() is None:
            os.kill(victim[0].pid, signal.SIGKILL)
            victim[0].wait()

    def hook(request: Request) -> Response:
        hooks.append(request)
        if len(hooks) == 1:
            kill_sender()
        return Response(200, b"")

    feed_server.route("/hook", hook)
    config = setup(tmp_path, feed_server, smtp_server, alerts='[alerts]\nlease = "1s"\n')
    invoke(config, "poll")
    smtp_server.on_data = lambda mail: kill_sender() if len(smtp_server.received) == 1 else None
    for _ in range(2):  # the first run dies at the email; the next one dies at the webhook
        victim[:] = [
            subprocess.Popen(
                [sys.executable, "-m", "monitor.cli", "--config", str(config), "alerts", "deliver"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        ]
        output = victim[0].communicate(timeout=60)[0]
        assert victim[0].returncode == -signal.SIGKILL, output
        time.sleep(1.1)  # the dead sender's lease on its rows runs out
    smtp_server.on_data = None
    victim.clear()
    assert "1 sent" in invoke(config, "alerts", "deliver")
    assert len({m.message["Message-ID"] for m in smtp_server.received}) == 1
    assert len(smtp_server.received) == 2
    assert len({h.headers["webhook-id"] for h in hooks}) == 1 and len(hooks) == 2
    assert all(verify(h) for h in hooks)
    assert invoke(config, "alerts", "--status", "sent").count(" sent ") == 2


def test_alert_ids_are_unique_across_databases_and_stable_across_resends(
    tmp_path: Path, feed_server: LocalServer, smtp_server: MailRecorder
) -> None:
    """Issue 12 item 6: two fresh databases, the same feed and channels: the first
    alerts get different ids (webhook-id and Message-ID); a re-send keeps its id."""
    hooks: list[Request] = []

    def hook(request: Request) -> Response:
        hooks.append(request)
        return Response(500 if len(hooks) == 1 else 200, b"")

    feed_server.route("/hook", hook)
    first = setup(
        tmp_path / "first",
        feed_server,
        smtp_server,
        alerts='[alerts]\nretry_base = "0.01s"\nretry_max = "0.01s"\n',
    )
    second = setup(tmp_path / "second", feed_server, smtp_server)
    invoke(first, "poll")
    invoke(first, "alerts", "deliver")  # the webhook answers 500: retried later
    time.sleep(0.05)  # past the 0.01 s retry delay (a schedule, not a race)
    assert "1 sent" in invoke(first, "alerts", "deliver")
    invoke(second, "poll")
    invoke(second, "alerts", "deliver")
    ids = [h.headers["webhook-id"] for h in hooks]
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2]  # re-sent with its id; another database, another id
    message_ids = [m.message["Message-ID"] for m in smtp_server.received]
    assert len(message_ids) == 2 and message_ids[0] != message_ids[1]


class RefusingRecorder(MailRecorder):
    """Refuses one address for good (550), takes the others."""

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == "gone@example.org":
            return "550 5.1.1 <gone@example.org>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_550_for_one_recipient_is_dead_lettered_with_one_notice(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    """Issue 12 item 7: the other recipient gets the mail; the refused one is named in
    the dead letter with the server's reason; the operator hears of it once."""
    notices: list[Request] = []
    feed_server.route("/hook", lambda r: (notices.append(r), Response(200, b""))[1])
    smtp = RefusingRecorder().start()
    try:
        config = setup(tmp_path, feed_server, smtp, alerts='[alerts]\noperator_channel = "hook"\n')
        text = config.read_text().replace(
            'to = ["desk@example.org"]', 'to = ["desk@example.org", "gone@example.org"]'
        )
        config.write_text(text)
        invoke(config, "poll")
        report = invoke(config, "alerts", "deliver")
        invoke(config, "alerts", "deliver")
    finally:
        smtp.stop()
    [mail] = smtp.received
    assert mail.rcpt_tos == ["desk@example.org"]
    assert "dead" in report and "delivered to 1 of 2 recipients" in report
    assert "gone@example.org" in report and "550" in report
    listing = invoke(config, "alerts")
    assert listing.count(" dead ") == 1
    operator = [n for n in notices if "monitor.channel.desk" in n.body.decode()]
    assert len(operator) == 1
