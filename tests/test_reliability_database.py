"""Issue 12 item 13: database faults are one line and exit 2; a corrupt SQLite file is
refused at start; a bad channel is refused before anything is migrated."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_config


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, MONITOR_DATABASE_URL=""),
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip() and " WARNING " not in line]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_corrupt_sqlite_page_is_refused_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"f": "http://127.0.0.1:9/f.xml"})
    assert monitor(config, "feeds").returncode == 0
    database = tmp_path / "state" / "monitor.db"
    with database.open("r+b") as f:  # a page in the middle of the file overwritten with garbage
        size = f.seek(0, 2)
        page = 4096
        assert size >= 4 * page
        f.seek(2 * page)
        f.write(b"\xa5" * page)
    done = monitor(config, "feeds")
    assert done.returncode == 2
    line = one_line(done)
    assert str(database) in line or "monitor.db" in line
    assert "corrupt" in line or "malformed" in line


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        (f"postgresql://nobody@127.0.0.1:{closed_port()}/test", "refused"),
        ("mysql://nobody@127.0.0.1/test", "driver"),
    ],
)
def test_an_unusable_database_is_one_line_and_exit_2(tmp_path: Path, url: str, fragment: str) -> None:
    config = write_config(tmp_path, {"f": "http://127.0.0.1:9/f.xml"}, database_url=url)
    done = monitor(config, "feeds")
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert line.startswith("monitor: database ") and fragment in line.lower(), line


def test_a_bad_channel_is_refused_before_the_database_is_touched(tmp_path: Path) -> None:
    extra = '[[channels]]\nname = "hook"\ntype = "pager"\n'
    config = write_config(tmp_path, {"f": "http://127.0.0.1:9/f.xml"}, extra=extra)
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "pager" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "state" / "monitor.db").exists()  # nothing created, nothing migrated
