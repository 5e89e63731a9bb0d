"""``monitor poll``: a line per feed as it finishes, a summary with plurals right, exit 1 when feeds failed."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli.table import MAX_COLUMN, echo_table
from monitor.config import load_config
from monitor.service.core import Monitor
from monitor.testing import LocalServer, Response
from tests.helpers import item, rss, write_config


def test_poll_reports_each_feed_then_a_summary_and_fails_when_a_feed_failed(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    good = feed_server.serve("/good.xml", rss([item(1)]))
    feed_server.route("/gone.xml", lambda request: Response(404, b"no"))
    config = write_config(tmp_path, {"good": good, "gone": feed_server.url("/gone.xml")})

    heard: list[str] = []
    app = Monitor(load_config(config))
    try:
        app.poll(on_outcome=lambda outcome: heard.append(outcome.feed))
    finally:
        app.close()
    assert sorted(heard) == ["gone", "good"]  # each feed, told as it finished

    result = CliRunner().invoke(cli, ["poll", "--config", str(config)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert sorted(line.split()[0] for line in lines[:2]) == ["feed=gone", "feed=good"]
    assert "status=404" in next(line for line in lines if line.startswith("feed=gone"))
    assert lines[2] == "2 feeds polled, 0 new articles, 0 changes, 1 failed: gone"

    result = CliRunner().invoke(cli, ["--config", str(config), "poll", "--feed", "good"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 feed polled, 0 new articles, 0 changes, 0 failed"


def test_feeds_listing_shows_a_failed_feed_as_failed(tmp_path: Path, feed_server: LocalServer) -> None:
    feed_server.route("/gone.xml", lambda request: Response(404, b"no"))
    config = write_config(tmp_path, {"gone": feed_server.url("/gone.xml")})
    CliRunner().invoke(cli, ["--config", str(config), "poll"])
    out = CliRunner().invoke(cli, ["--config", str(config), "feeds"]).stdout
    assert "failed (404)" in out.splitlines()[1] and "never polled" not in out


def test_alert_listing_has_a_header_and_columns_survive_a_long_value() -> None:
    runner = CliRunner()

    @cli.command("table-demo", hidden=True)
    def demo() -> None:
        echo_table(["NAME", "STATUS", "NOTE"], [["a" * 200, "ok", "x"], ["b", "failed", "y " * 50]])

    try:
        lines = runner.invoke(cli, ["table-demo"]).stdout.splitlines()
    finally:
        cli.commands.pop("table-demo")
    assert lines[0].startswith("NAME")
    status_at = lines[0].index("STATUS")
    assert all(line[status_at:].split()[0] in ("STATUS", "ok", "failed") for line in lines)
    assert len(lines[1].split()[0]) == MAX_COLUMN and lines[1].split()[0].endswith("…")


@pytest.mark.slow
def test_on_a_terminal_poll_shows_a_progress_bar_and_a_pipe_gets_lines_only(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    feeds = {f"f{i}": feed_server.serve(f"/f{i}.xml", rss([item(i)])) for i in range(3)}
    config = write_config(tmp_path, feeds)
    command = [sys.executable, "-m", "monitor.cli", "--config", str(config), "poll"]
    main, child = pty.openpty()  # a real terminal for the child's stdout and stderr
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=child, stderr=child, cwd=tmp_path)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=120) == 0
    text = out.decode("utf-8", "replace")
    assert "polling" in text and "3/3" in text  # the bar, finished
    assert text.count("feed=f") == 3 and "3 feeds polled" in text
    piped = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert piped.returncode == 0 and "polling" not in piped.stderr + piped.stdout
