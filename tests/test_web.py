"""The web interface over HTTP: pages, JSON, safety headers, auth, health and the [web] config."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config
from monitor.testing import MonitorProject
from monitor.web.app import CSP
from monitor.web.present import context, safe_url
from tests.helpers import write_config
from tests.web_kit import KEY, WAIT, XSS_TITLE, Lines, fill, serving


@pytest.fixture
def project(monitor_project: MonitorProject) -> MonitorProject:
    return fill(monitor_project)


def get(url: str, **kwargs: object) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_pages_show_the_story_escaped_and_under_a_strict_policy(project: MonitorProject) -> None:
    with serving(project) as server:
        story = get(f"{server.url}/stories/coalition")
        timeline = get(f"{server.url}/stories/coalition/timeline")
        fact = get(f"{server.url}/facts/{KEY}")
        feeds = get(f"{server.url}/feeds")
        missing = get(f"{server.url}/stories/nope")
        post = requests.post(f"{server.url}/stories/coalition", timeout=30)
    for page in (story, timeline, fact, feeds):
        assert page.status_code == 200
        assert page.headers["Content-Security-Policy"] == CSP
        assert "script-src 'none'" in CSP
        assert "<script" not in page.text.lower()
    assert 'class="current">27<' in story.text and 'class="baseline">26<' in story.text
    assert 'class="open disputed"' in story.text  # the 30 waits, contradicted by the accepted 27
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in timeline.text
    assert XSS_TITLE not in timeline.text
    assert timeline.text.index("change-3") < timeline.text.index("change-2")  # newest first
    assert "<mark>Thirty countries have now committed" in timeline.text
    assert 'badge sent">sent' in timeline.text and 'badge pending">pending' in timeline.text
    assert "Post, Wire" in timeline.text  # the corroborating outlets
    assert "<svg" in fact.text and 'class="step"' in fact.text and 'class="mark disputed"' in fact.text
    assert all(name in feeds.text for name in ("wire", "post", "daily"))
    assert missing.status_code == 404
    assert post.status_code == 405


def test_the_api_gives_the_same_data_as_json(project: MonitorProject) -> None:
    with serving(project) as server:
        index = get(f"{server.url}/api/").json()
        stories = get(f"{server.url}/api/stories").json()
        facts = get(f"{server.url}/api/stories/coalition/facts").json()
        changes = get(f"{server.url}/api/stories/coalition/changes?limit=2").json()
        history = get(f"{server.url}/api/facts/{KEY}").json()
        feeds = get(f"{server.url}/api/feeds").json()
        missing = get(f"{server.url}/api/facts/nope")
    assert set(index) >= {"stories", "facts", "changes", "fact", "feeds"}
    assert stories[0]["slug"] == "coalition"
    assert set(stories[0]["topics"]) == {"coalition", "us_guarantees", "russia"}
    [pledges] = [f for f in facts if f["key"] == KEY]
    assert (pledges["baseline"], pledges["current"], pledges["outlets"]) == (26, 27, 2)
    assert [c["status"] for c in pledges["open"]] == ["disputed"]
    assert [c["id"] for c in changes] == [3, 2]
    assert "text" not in changes[1]["article"]
    [delivery] = changes[1]["deliveries"]
    assert (delivery["channel"], delivery["status"], delivery["attempts"]) == ("test", "sent", 1)
    assert [d["status"] for d in changes[0]["deliveries"]] == ["pending"]
    assert changes[1]["context"]["evidence"].startswith("Twenty-seven countries")
    assert [c["new"] for c in history["changes"]] == [27, 27, 30]
    assert XSS_TITLE in {c["article"]["title"] for c in history["changes"]}  # JSON carries the text as it is
    assert {f["name"] for f in feeds} == {"wire", "post", "daily"}
    assert all("etag" not in f for f in feeds)
    assert missing.status_code == 404 and missing.json() == {"error": "no fact 'nope'"}


def test_healthz_answers_and_readyz_names_what_is_wrong(project: MonitorProject) -> None:
    with serving(project) as server:
        health = get(f"{server.url}/healthz")
        ready = get(f"{server.url}/readyz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    # A standalone `monitor web` with no `monitor run` anywhere: nothing polls.
    assert ready.status_code == 503
    body = ready.json()
    assert body["checks"] == {"database": "ok", "scheduler": "fail", "leases": "ok"}
    assert body["problems"] == ["scheduler: no 'monitor run' instance has a heartbeat"]


def test_readyz_names_a_lease_held_past_its_expiry(project: MonitorProject) -> None:
    # An instance that died an hour ago, holding a lease.
    project.runtime.store.claim_due_feeds("dead-instance", limit=1, lease=-3600, names=["wire"], force=True)
    with serving(project) as server:
        ready = get(f"{server.url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["leases"] == "fail"
    assert "leases: held past their expiry on feed(s) wire" in ready.json()["problems"]


def test_a_secret_guards_every_path_but_healthz(
    project: MonitorProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_WEB_TOKEN", "s3cret-token")
    with serving(project) as server:
        anonymous = get(f"{server.url}/stories/coalition")
        wrong = get(f"{server.url}/metrics", headers={"Authorization": "Bearer nope"})
        bearer = get(f"{server.url}/metrics", headers={"Authorization": "Bearer s3cret-token"})
        basic = base64.b64encode(b"desk:s3cret-token").decode()
        browser = get(f"{server.url}/stories/coalition", headers={"Authorization": f"Basic {basic}"})
        health = get(f"{server.url}/healthz")
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    assert wrong.status_code == 401
    assert bearer.status_code == 200 and browser.status_code == 200
    assert health.status_code == 200


def test_links_are_http_only_and_evidence_sits_in_its_context() -> None:
    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:alert(1)", "//example.org", "", None):
        assert safe_url(bad) is None
    text = "First words here. " * 30 + "The evidence sentence. " + "Then more words. " * 30
    found = context(text, "The evidence sentence.")
    assert found.evidence == "The evidence sentence."
    assert found.before.startswith("…") and found.after.endswith("…")
    assert context("other text", "missing").before == ""


def test_monitor_web_serves_until_sigterm(project: MonitorProject) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(project.config_path), "web", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", MONITOR_WEB_TOKEN=""),
    )
    try:
        url = Lines(process).wait_for(r"web interface on (http://127\.0\.0\.1:\d+)/").group(1)
        assert get(f"{url}/healthz").json() == {"status": "ok"}
        assert 'class="current">27<' in get(f"{url}/stories/coalition").text
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env)
    return result.exit_code, result.output


def test_a_public_bind_without_the_secret_is_refused_with_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, extra='[web]\nenabled = true\nbind = "0.0.0.0"\nport = 0\n')
    for command in (["web"], ["run"]):
        code, output = run_cli(config, *command, env={"MONITOR_WEB_TOKEN": ""})
        assert code == 2, output
        # `monitor run` may warn first (its start checks: no channels, no feeds); the error is one line
        [line] = [x for x in output.strip().splitlines() if " WARNING " not in x]
        assert "[web.bind]" in line and "MONITOR_WEB_TOKEN" in line and "0.0.0.0" in line
    code, output = run_cli(config, "web", "--bind", "example.org", env={"MONITOR_WEB_TOKEN": ""})
    assert (
        code == 1
        and output.strip() == "monitor: web: 'example.org' is not an IP address (or 'localhost') to bind to"
    )


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('bind = "my host"', "[web.bind]: 'my host' is not an IP address"),
        ("port = 70000", "[web.port]: must be a port number"),
        ('enabled = "yes"', "[web.enabled]: must be true or false"),
        ('token = "x"', "unknown key 'token'; secrets come from the environment"),
        ('token_env = "not a name"', "[web.token_env]: must name an environment variable"),
    ],
)
def test_the_web_table_is_validated(tmp_path: Path, table: str, problem: str) -> None:
    config = write_config(tmp_path, {}, extra=f"[web]\n{table}\n")
    code, output = run_cli(config, "web")
    assert code == 2
    [line] = output.strip().splitlines()
    assert problem in line and "monitor.toml:" in line


def test_the_web_table_defaults_to_loopback(tmp_path: Path) -> None:
    web = load_config(write_config(tmp_path, {})).web
    assert (web.enabled, web.bind, web.port, web.token_env) == (False, "127.0.0.1", 8080, "MONITOR_WEB_TOKEN")


@pytest.mark.postgres
def test_the_same_pages_and_metrics_on_postgresql(
    monitor_project: MonitorProject, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", postgres_url)
    project = fill(monitor_project)
    assert project.runtime.store.is_postgres
    with serving(project) as server:
        facts = get(f"{server.url}/api/stories/coalition/facts").json()
        changes = get(f"{server.url}/api/stories/coalition/changes").json()
        timeline = get(f"{server.url}/stories/coalition/timeline")
        metrics = get(f"{server.url}/metrics").text
        ready = get(f"{server.url}/readyz").json()
    [pledges] = [f for f in facts if f["key"] == KEY]
    assert (pledges["current"], pledges["outlets"], len(pledges["open"])) == (27, 2, 1)
    assert [c["id"] for c in changes] == sorted((c["id"] for c in changes), reverse=True)
    assert timeline.status_code == 200 and "<mark>Thirty countries" in timeline.text
    assert 'monitor_changes{status="accepted",story="coalition"} 1.0' in metrics
    # The first 27 was a disputed report (alerted: the rule says so), the second made it accepted.
    assert 'monitor_alerts{channel="test",status="sent"} 2.0' in metrics
    assert 'monitor_alerts{channel="test",status="pending"} 1.0' in metrics
    assert ready["checks"]["database"] == "ok"
