"""A new user's first run: the package installed into a fresh venv outside the source tree,
a config with only [database] and [[feeds]] - the bundled story's baseline comes with the package."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = shutil.ignore_patterns(".*", "state", "build", "*.egg-info", "__pycache__")


def not_shipped(folder: str, names: list[str]) -> set[str]:
    """What a checkout holds that the package does not need (the tests, the venv, the state)."""
    top = {"tests", "bench"} if Path(folder) == ROOT else set()
    return set(SKIPPED(folder, names)) | (top & set(names))


@pytest.mark.slow
def test_pip_install_then_run_builds_the_bundled_baseline_and_polls(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=not_shipped)  # pip builds in place: not in the real tree
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "PYTHON", "VIRTUAL_ENV"))}
    subprocess.run([str(venv / "bin/pip"), "install", "-q", str(checkout)], check=True, env=env, cwd=tmp_path)
    shutil.rmtree(checkout)  # nothing may come from the source tree now

    polled = threading.Event()

    def feed(request: Request) -> Response:
        polled.set()
        return Response(200, rss([item(1)]), {"Content-Type": "application/rss+xml"})

    home = tmp_path / "home"
    home.mkdir()
    config = home / "monitor.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{home}/monitor.db"\n\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed_server.route("/feed.xml", feed)}"\n'
    )
    monitor = str(venv / "bin/monitor")
    process = subprocess.Popen(
        [monitor, "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env | {"PYTHONUNBUFFERED": "1"},
        cwd=home,
    )
    try:
        assert polled.wait(120), "the daemon never polled"
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:  # the poll's own log line: the poll is done
            lines.append(line)
            if "feed=wire" in line:
                break
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert (
        "story coalition: baseline built from baseline-2025-09-04-paris-coalition-summit.txt: 16 facts"
        in output
    )
    assert "1 feed, 0 alert channels configured" in output and "no alert channel is configured" in output
    assert "feed=wire status=200 new=1" in output, output

    listed = subprocess.run(
        [monitor, "--config", str(config), "stories", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
    )
    assert listed.returncode == 0, listed.stderr
    [story] = json.loads(listed.stdout)
    assert (story["name"], story["baseline"]["facts"], story["baseline"]["mode"]) == (
        "coalition",
        16,
        "article",
    )
