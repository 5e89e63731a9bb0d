"""/metrics and /readyz of a real `monitor run` with [web] enabled, scraped while it polls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss, write_config
from tests.web_kit import BASELINE, TWENTY_SEVEN, WAIT, Lines


def scrape(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of /metrics, parsed by prometheus_client's own parser."""
    response = requests.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_metrics_and_readiness_during_a_real_poll(tmp_path: Path, feed_server: LocalServer) -> None:
    fetching, release = threading.Event(), threading.Event()

    def slow_feed(request: Request) -> Response:
        fetching.set()
        release.wait(WAIT)  # the poll stays in flight until the test has scraped
        return Response(200, rss([item(1, TWENTY_SEVEN, title="Coalition grows")], title="Wire"))

    feed_server.route("/wire.xml", slow_feed)
    feed_server.route("/hook", lambda request: Response(200, b""))
    extra = f"""
[service]
tick = 0.2

[baseline]
article = "{BASELINE}"

[web]
enabled = true
port = 0

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
secret_env = "TEST_WEBHOOK_SECRET"
"""
    config = write_config(tmp_path, {"wire": feed_server.url("/wire.xml")}, extra=extra)
    env = dict(os.environ, PYTHONUNBUFFERED="1", TEST_WEBHOOK_SECRET="c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0")
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = Lines(process)
        url = lines.wait_for(r"web interface on (http://127\.0\.0\.1:\d+)").group(1)
        assert fetching.wait(WAIT), "the daemon never polled"

        during = scrape(url)
        ready = requests.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "scheduler": "ok", "leases": "ok"}
        assert not during.get("monitor_polls_total")  # the first poll is still in flight
        assert during["monitor_baseline_present"][(("story", "coalition"),)] == 1
        assert during["monitor_scheduler_last_tick_timestamp_seconds"][()] > 0
        assert any(labels for labels in during["monitor_plugin_call_duration_seconds_count"])

        release.set()
        lines.wait_for(r"poll feed=wire status=200 new=1 changes=1")
        after = scrape(url)
        assert after["monitor_polls_total"] == {(("outcome", "ok"),): 1.0}
        assert after["monitor_fetch_duration_seconds_count"][()] == 1.0
        assert after["monitor_articles_stored_total"][()] == 1.0
        assert after["monitor_claims"][(("story", "coalition"),)] >= 1
        assert after["monitor_changes"][(("status", "accepted"), ("story", "coalition"))] == 1
        alerts = {dict(labels)["status"]: value for labels, value in after["monitor_alerts"].items()}
        assert set(alerts) >= {"pending", "sent", "dead"} and sum(alerts.values()) == 1
        extract = [
            labels
            for labels in after["monitor_plugin_call_duration_seconds_count"]
            if ("stage", "extract") in labels
        ]
        assert {dict(labels)["plugin"] for labels in extract} >= {"coalition", "russia", "us_guarantees"}
        process.send_signal(signal.SIGTERM)
        lines.wait_for(r"monitor stopped")
        assert process.wait(WAIT) == 0
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
