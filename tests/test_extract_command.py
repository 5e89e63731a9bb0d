"""`monitor extract`: what each extractor claims from a file or a URL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.testing import LocalServer, Response, feed_item, make_feed
from tests.helpers import write_config

TEXT = "Poland will not send troops to Ukraine, Prime Minister Donald Tusk said on Thursday."


def run(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["--config", str(config), "extract", "--json", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_extract_from_a_file(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(f"Tusk keeps soldiers at home\n\n{TEXT}\n")
    claims = run(write_config(tmp_path, {}), str(article))
    assert {"key": "coalition.PL.troop_stance", "value": "declines"}.items() <= claims[0].items()
    assert claims[0]["evidence"] in TEXT and claims[0]["extractor"] == "coalition"


def test_extract_from_a_page_and_a_feed_url(tmp_path: Path, feed_server: LocalServer) -> None:
    page = f"<html><head><title>Tusk</title><script>x()</script></head><body><p>{TEXT}</p></body></html>"
    feed_server.route(
        "/page", lambda r: Response(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
    )
    feed_server.serve("/feed.xml", make_feed([feed_item(1, TEXT), feed_item(2, "Nothing to see.")]))
    config = write_config(tmp_path, {})
    from_page = run(config, feed_server.url("/page"))
    from_feed = run(config, feed_server.url("/feed.xml"))
    assert [c["key"] for c in from_page] == ["coalition.PL.troop_stance"]
    assert [c["key"] for c in from_feed] == ["coalition.PL.troop_stance"]


def test_extract_only_one_extractor_and_unknown_names(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT)
    config = write_config(tmp_path, {})
    assert run(config, "--extractor", "russia", str(article)) == []
    result = CliRunner().invoke(
        cli, ["--config", str(config), "extract", "--extractor", "nope", str(article)]
    )
    assert result.exit_code == 1 and "no extractor named nope" in result.stderr
