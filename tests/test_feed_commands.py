"""``monitor feeds add|remove|import|export`` on a real TOML file with comments, and a real OPML round trip."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config

CONFIG = """\
# The newsroom's monitor.  Keep this comment.

[database]
url = "sqlite:///state/monitor.db"  # local

# -- wires --------------------------------------------------------------------

[[feeds]]
name = "wire"            # the agency wire
url = "https://wire.example.org/rss.xml"
interval = "5m"

[service]
concurrency = 4          # a small box
"""

OPML = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My reader</title></head>
  <body>
    <outline text="Europe">
      <outline type="rss" text="Guardian Europe" xmlUrl="https://www.theguardian.com/world/europe-news/rss"/>
      <outline type="rss" text="DW" title="DW World" xmlUrl="https://rss.dw.com/rdf/rss-en-world"/>
    </outline>
    <outline type="rss" text="Wire again" xmlUrl="https://wire.example.org/rss.xml"/>
    <outline type="rss" text="A gopher" xmlUrl="gopher://old.example.org/feed"/>
  </body>
</opml>
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "monitor.toml"
    path.write_text(CONFIG)
    return path


def _monitor(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_add_and_remove_keep_comments_and_layout_and_reload(tmp_path: Path) -> None:
    path = _project(tmp_path)
    code, out = _monitor("--config", str(path), "feeds", "add", "https://feeds.bbci.co.uk/news/world/rss.xml")
    assert code == 0, out
    assert "added feed bbci-news-world " in out
    text = path.read_text()
    assert text.startswith(CONFIG.split("[service]")[0])  # everything before is byte for byte the same
    for kept in ("Keep this comment.", "# the agency wire", "concurrency = 4          # a small box"):
        assert kept in text, text
    config = load_config(path)
    assert [(f.name, f.url, f.interval) for f in config.feeds] == [
        ("wire", "https://wire.example.org/rss.xml", 300.0),
        ("bbci-news-world", "https://feeds.bbci.co.uk/news/world/rss.xml", 900.0),
    ]
    assert config.service.concurrency == 4  # [service] after the feeds is still [service]

    code, out = _monitor(
        "feeds", "add", "https://example.org/a.xml", "--name", "a", "--interval", "1h", "--config", str(path)
    )
    assert code == 0, out
    assert [f.interval for f in load_config(path).feeds if f.name == "a"] == [3600.0]

    code, out = _monitor("feeds", "remove", "bbci-news-world", "--config", str(path))
    assert code == 0, out
    assert [f.name for f in load_config(path).feeds] == ["wire", "a"]
    assert "# the agency wire" in path.read_text() and "Keep this comment." in path.read_text()


def test_what_the_validator_refuses_is_refused_and_the_file_is_untouched(tmp_path: Path) -> None:
    path = _project(tmp_path)
    for args, why in (
        (["ftp://example.org/feed"], "only http and https"),
        (["https://example.org/x", "--interval", "soon"], "is not a duration"),
        (["https://example.org/x", "--name", "wire"], "used twice"),
        (["https://example.org/x", "--name", "bad name!"], "bad name"),
        (["https://wire.example.org/rss.xml"], "already a feed"),
    ):
        code, out = _monitor("--config", str(path), "feeds", "add", *args)
        assert code in (1, 2) and why in out, (args, out)
        assert path.read_text() == CONFIG
    assert not [p for p in path.parent.iterdir() if p.name != "monitor.toml"]  # no temp file left
    code, out = _monitor("--config", str(path), "feeds", "remove", "nope")
    assert code == 1 and "no feed named 'nope'" in out


def test_opml_import_then_export_round_trips(tmp_path: Path) -> None:
    path = _project(tmp_path)
    opml = tmp_path / "reader.opml"
    opml.write_text(OPML)
    code, out = _monitor("--config", str(path), "feeds", "import", str(opml), "--interval", "20m")
    assert code == 0, out
    assert "2 feeds added, 2 skipped" in out
    assert "skipped https://wire.example.org/rss.xml: already a feed" in out
    feeds = load_config(path).feeds
    assert [(f.name, f.interval) for f in feeds] == [
        ("wire", 300.0),
        ("guardian-europe", 1200.0),
        ("dw-world", 1200.0),
    ]

    code, exported = _monitor("--config", str(path), "feeds", "export")
    assert code == 0, exported
    (tmp_path / "exported.opml").write_text(exported)

    other = tmp_path / "other"
    (other / "config").mkdir(parents=True)
    (other / "config" / "monitor.toml").write_text("# empty project\n")
    code, out = _monitor(
        "--config", str(other / "config" / "monitor.toml"), "feeds", "import", str(tmp_path / "exported.opml")
    )
    assert code == 0, out
    again = load_config(other / "config" / "monitor.toml").feeds
    assert [(f.name, f.url) for f in again] == [(f.name, f.url) for f in feeds]
    assert (other / "config" / "monitor.toml").read_text().startswith("# empty project\n")


def test_listing_has_a_header_and_says_failed_not_never_polled(tmp_path: Path) -> None:
    path = _project(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(path), "feeds"])
    code, out = result.exit_code, result.stdout
    assert code == 0, out
    header, row = out.splitlines()
    assert header.split() == ["FEED", "STATUS", "NEXT", "POLL", "FAILURES", "ERROR"]
    assert row.startswith("wire ") and "never polled" in row


def test_the_last_feed_removed_and_a_first_one_added_leave_the_file_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "monitor.toml"
    original = '[database]\nurl = "sqlite:///state/monitor.db"\n\n[service]\nconcurrency = 2\n'
    path.write_text(original)
    code, out = _monitor("--config", str(path), "feeds", "add", "http://127.0.0.1:9/a.xml")
    assert code == 0 and "added feed 127-0-0-1-a " in out, out
    assert "\n\n[[feeds]]\n" in path.read_text()
    code, out = _monitor("--config", str(path), "feeds", "remove", "127-0-0-1-a")
    assert code == 0, out
    assert "feeds" not in path.read_text() and path.read_text().startswith(original)
    assert load_config(path).feeds == ()
