"""``monitor check`` and the same checks at ``monitor run`` start, on real config files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.helpers import write_config

HOOK = """
[[channels]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9/hook"
secret_env = "CHECK_TEST_WEBHOOK_SECRET"
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.slow
def test_a_missing_secret_variable_is_an_error_and_run_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHECK_TEST_WEBHOOK_SECRET", raising=False)
    config = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"}, extra=HOOK)
    code, out = _run("check", "--config", str(config))
    assert code == 1
    assert (
        "error: channel 'hook': environment variable CHECK_TEST_WEBHOOK_SECRET (secret_env) is not set" in out
    )
    assert "1 error, 0 warnings" in out

    code, out = _run("--config", str(config), "run")
    assert code == 1
    assert "not starting: 1 error" in out

    monkeypatch.setenv("CHECK_TEST_WEBHOOK_SECRET", "whsec_c2VjcmV0")
    code, out = _run("check", "--config", str(config))
    assert code == 0, out
    assert out.startswith("ok: ") and "1 feed, 1 channel" in out
    assert "c2VjcmV0" not in out


def test_no_channel_is_a_warning_and_a_bad_channel_an_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"})
    code, out = _run("check", "--config", str(config), "--json")
    assert code == 1
    problems = [json.loads(line) for line in out.splitlines()]
    assert [p["level"] for p in problems] == ["warning"]
    assert "no [[channels]]" in problems[0]["message"]

    bad = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"}, extra=HOOK.replace("webhook", "pager"))
    code, out = _run("check", "--config", str(bad))
    assert code == 1
    assert "unknown channel type 'pager'" in out and out.startswith("error: ")


def test_an_unreachable_database_is_an_error_with_no_password_shown(tmp_path: Path) -> None:
    url = "postgresql+psycopg://monitor:hunter2secret@127.0.0.1:9/monitor"
    config = write_config(tmp_path, {"one": "http://127.0.0.1:9/feed"}, database_url=url)
    code, out = _run("check", "--config", str(config))
    assert code == 1
    assert "is not reachable" in out
    assert "hunter2secret" not in out


def test_a_config_error_is_still_exit_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"one": "ftp://example.org/feed"})
    code, out = _run("check", "--config", str(config))
    assert code == 2
    assert "only http and https" in out
