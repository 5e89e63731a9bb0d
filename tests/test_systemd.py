"""Under systemd: the daemon with a real NOTIFY_SOCKET (ready, watchdog, reloading, stopping), SIGHUP reloads."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config
from monitor.service.core import Monitor
from monitor.service.notify import SystemdNotifier
from monitor.testing import LocalServer
from tests.helpers import item, rss, write_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    folder = tempfile.mkdtemp(prefix="sd")  # short: unix socket paths are limited to ~100 bytes
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(120)  # a bound on a hung daemon, not a timing assertion
    try:
        yield sock, path
    finally:
        sock.close()
        os.unlink(path)
        os.rmdir(folder)


def _until(sock: socket.socket, wanted: str) -> list[str]:
    """Every state received up to the datagram holding ``wanted``."""
    seen: list[str] = []
    while True:
        states = sock.recv(4096).decode().splitlines()
        seen += states
        if wanted in states:
            return seen


def test_the_notifier_speaks_the_protocol_and_is_silent_without_a_socket(
    notify_socket: tuple[socket.socket, str],
) -> None:
    sock, path = notify_socket
    assert not SystemdNotifier({}).enabled and SystemdNotifier({}).send("READY=1") is False
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"})
    assert notifier.watchdog == 4.0
    notifier.ready("polling 3 feeds")
    assert sock.recv(4096).decode().splitlines() == ["READY=1", "STATUS=polling 3 feeds"]
    assert (
        SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1", "WATCHDOG_PID": "1"}).watchdog is None
    )


@pytest.mark.slow
def test_the_daemon_under_notify_socket_reloads_on_sighup_and_stops_cleanly(
    tmp_path: Path, feed_server: LocalServer, notify_socket: tuple[socket.socket, str]
) -> None:
    sock, path = notify_socket
    config = write_config(tmp_path, {"one": feed_server.serve("/one.xml", rss([item(1)]))}, interval="1h")
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="2000000", PYTHONPATH=str(ROOT))
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "STATUS=polling 1 feeds" in _until(sock, "READY=1")
        _until(sock, "WATCHDOG=1")

        # A real edit of the TOML file, then SIGHUP: the new feed is taken, the daemon runs on.
        two = feed_server.serve("/two.xml", rss([item(2)]))
        edit = CliRunner().invoke(cli, ["--config", str(config), "feeds", "add", two, "--name", "two"])
        assert edit.exit_code == 0, edit.output
        daemon.send_signal(signal.SIGHUP)
        seen = _until(sock, "RELOADING=1")
        assert any(s.startswith("MONOTONIC_USEC=") for s in seen)
        assert "STATUS=polling 2 feeds" in _until(sock, "READY=1")
        assert daemon.poll() is None
        app = Monitor(load_config(config))
        try:
            assert {f.name for f in app.store.feed_states() if f.enabled} == {"one", "two"}
        finally:
            app.close()

        # A config that no longer loads is refused; the old one stays in use.
        config.write_text(config.read_text() + "\n[bogus]\n")
        daemon.send_signal(signal.SIGHUP)
        _until(sock, "RELOADING=1")
        assert "STATUS=polling 2 feeds" in _until(sock, "READY=1")
        assert daemon.poll() is None

        daemon.send_signal(signal.SIGTERM)
        _until(sock, "STOPPING=1")
        _, stderr = daemon.communicate(timeout=120)
        assert daemon.returncode == 0, stderr
        assert "reload refused, running on with the old config" in stderr and "unknown key 'bogus'" in stderr
        assert "reloaded" in stderr
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()


def test_the_unit_file_is_type_notify_with_a_watchdog_and_reload() -> None:
    unit = (ROOT / "contrib" / "news-monitor.service").read_text()
    lines = {
        line.split("=", 1)[0]: line.split("=", 1)[1]
        for line in unit.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert lines["Type"] == "notify" and int(lines["WatchdogSec"]) > 0
    assert lines["ExecStart"].endswith("monitor run")
    assert lines["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert lines["KillSignal"] == "SIGTERM"
