from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import embedded_default_text, load_config, parse_interval
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    path = folder / "monitor.toml"
    path.write_text(text)
    return path


GOOD = """
[database]
url = "sqlite:///state/monitor.db"

[[feeds]]
name = "bbc-world"
url = "https://feeds.bbci.co.uk/news/world/rss.xml"
interval = "15m"
"""


def test_good_config_resolves_relative_paths_against_the_project(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    assert config.database_url == f"sqlite:///{tmp_path / 'state/monitor.db'}"
    assert config.feeds[0].interval == 900
    assert config.root == tmp_path


def test_database_url_from_environment_wins(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={"MONITOR_DATABASE_URL": "postgresql://db/x"})
    assert config.database_url == "postgresql://db/x"


@pytest.mark.parametrize(
    ("value", "seconds"), [("30s", 30), ("15m", 900), ("1h", 3600), (45, 45), ("2.5m", 150), ("1d", 86400)]
)
def test_intervals(value: object, seconds: float) -> None:
    assert parse_interval(value) == seconds


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        (GOOD + 'colour = "red"\n', "unknown key 'colour'", 9),
        (GOOD.replace('"15m"', '"-5m"'), "not a duration", 8),
        (GOOD.replace('"15m"', "-5"), "must be more than zero", 8),
        (GOOD.replace('"15m"', '"soon"'), "not a duration", 8),
        (GOOD.replace("https://feeds", "ftp://feeds"), "scheme not allowed", 7),
        (
            GOOD.replace("https://feeds.bbci.co.uk/news/world/rss.xml", "file:///etc/passwd"),
            "scheme not allowed",
            7,
        ),
        (
            GOOD.replace("https://feeds.bbci.co.uk/news/world/rss.xml", "javascript:alert(1)"),
            "scheme not allowed",
            7,
        ),
        (GOOD.replace("https://feeds.bbci.co.uk/news/world/rss.xml", "http://"), "no host", 7),
        (GOOD.replace("https://feeds.bbci.co.uk/news/world/rss.xml", "http://x:99999/"), "bad URL", 7),
        (GOOD + '\n[[feeds]]\nname = "bbc-world"\nurl = "https://a.example/rss"\n', "used twice", 11),
        ("[databse]\nurl = 'x'\n", "unknown key 'databse'", None),
        (GOOD + "[service]\nconcurrency = 0\n", "at least 1", 10),
        (GOOD + "[service]\nsmtp_password = 'hunter2'\n", "secrets come from the environment", 10),
        ("[[feeds]]\nname = 'a'\n", "missing key 'url'", 1),
        ("this is = not toml ]", "not valid TOML", None),
    ],
)
def test_bad_configs_give_one_line_naming_file_key_and_problem(
    tmp_path: Path, body: str, fragment: str, line: int | None
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_shipped_default_config_is_valid_and_embedded() -> None:
    shipped = ROOT / "config" / "monitor.toml"
    assert shipped.read_text() == embedded_default_text()
    config = load_config(shipped, environ={})
    assert len(config.feeds) >= 8
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert any("coalition" in f.url for f in config.feeds)
    assert config.baseline_article is None  # each story ships its baseline article; [baseline] overrides it
    embedded = load_config(None, environ={})
    assert [f.name for f in embedded.feeds] == [f.name for f in config.feeds]


def test_cli_config_error_exits_2_with_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    path = write(tmp_path, GOOD + "bogus = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "feeds"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown key 'bogus'" in lines[0] and str(path) in lines[0]
    result = CliRunner().invoke(cli, ["feeds", "--config", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "file not found" in result.stderr


@pytest.mark.parametrize("interval", ['"0.001s"', '"30s"', "1"])
def test_an_interval_below_the_floor_is_refused_with_its_line(tmp_path: Path, interval: str) -> None:
    with pytest.raises(ConfigError, match=r"monitor.toml:8.*shorter than the minimum of 60s") as info:
        load_config(write(tmp_path, GOOD.replace('"15m"', interval)))
    assert "min_interval" in str(info.value)


def test_the_floor_is_lowered_only_by_an_explicit_setting(tmp_path: Path) -> None:
    body = '[service]\nmin_interval = "1s"\n' + GOOD.replace('"15m"', '"4s"')
    assert load_config(write(tmp_path, body)).feeds[0].interval == 4
    assert load_config(write(tmp_path, GOOD.replace('"15m"', '"60s"'))).feeds[0].interval == 60
