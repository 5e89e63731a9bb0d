"""Logs: one line per event, text or JSON, third-party loggers quiet at INFO, level and format from the environment."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.logsetup import configure_logging
from tests.helpers import write_config


def _monitor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.slow
def test_alembic_is_quiet_at_info_and_json_comes_from_the_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_LOG")}
    first = _monitor("--config", str(config), "feeds", env=env)  # creates the schema: migrations run
    assert first.returncode == 0, first.stderr
    assert "alembic" not in first.stderr
    assert "migrating database schema" in first.stderr  # said once, by the service itself

    env.update(MONITOR_LOG_FORMAT="json", MONITOR_LOG_LEVEL="DEBUG")
    (tmp_path / "state" / "monitor.db").unlink()
    debug = _monitor("feeds", "--config", str(config), env=env)
    assert debug.returncode == 0, debug.stderr
    records = [json.loads(line) for line in debug.stderr.splitlines() if line.strip()]
    assert records and {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"].startswith("alembic") for r in records)  # DEBUG lets them through


def test_a_traceback_stays_on_one_line_in_both_formats() -> None:
    log = logging.getLogger("monitor.test_logging")
    for fmt in ("text", "json"):
        out = io.StringIO()
        configure_logging("INFO", fmt, stream=out)
        try:
            raise RuntimeError("boom\nsecond line")
        except RuntimeError:
            log.exception("poll of %s failed", "wire")
        lines = out.getvalue().splitlines()
        assert len(lines) == 1, lines
        if fmt == "json":
            record = json.loads(lines[0])
            assert record["message"] == "poll of wire failed" and "RuntimeError: boom" in record["exc"]
        else:
            assert "poll of wire failed" in lines[0] and "RuntimeError: boom\\nsecond line" in lines[0]
    configure_logging("INFO", "text")
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.WARNING
