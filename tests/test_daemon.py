"""`monitor run` as a real process: polls on schedule, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss, write_config


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_run_polls_then_sigterm_finishes_in_flight_and_exits_0(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    first_request = threading.Event()
    release = threading.Event()

    def slow_feed(request: Request) -> Response:
        first_request.set()
        release.wait(10)  # the poll is in flight until the test lets it go
        return Response(200, rss([item(1), item(2)]), {"Content-Type": "application/rss+xml"})

    feed_server.route("/slow.xml", slow_feed)
    feed_server.serve("/fast.xml", rss([item(3)]))
    config = write_config(
        tmp_path,
        {"slow": feed_server.url("/slow.xml"), "fast": feed_server.url("/fast.xml")},
        extra="[service]\ntick = 0.2\n",
    )
    process = start(config, "--instance-name", "test-instance")
    try:
        assert first_request.wait(30), "the daemon never polled"
        process.send_signal(signal.SIGTERM)
        release.set()
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "feed=slow status=200 new=2" in output  # the in-flight poll finished and was logged
    assert "received SIGTERM" in output and "monitor stopped" in output
    assert "test-instance" in output


@pytest.mark.slow
def test_unreachable_feeds_fail_with_clear_lines_and_back_off(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"down": "http://127.0.0.1:9/feed.xml"}, extra="[service]\ntick = 0.2\n")
    process = start(config)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "feed=down" in line:
                break
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    poll_lines = [line for line in output.splitlines() if "feed=down" in line]
    assert len(poll_lines) == 1, output  # backed off: not polled again at every tick
    assert "error=" in poll_lines[0] and "Traceback" not in output
