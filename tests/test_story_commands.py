"""The story commands: baseline build/show, diff, facts, changes and eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.testing import LocalServer, feed_item, make_feed
from tests.helpers import write_config

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
EXPECTED = ROOT.parent / "shared/facts/baseline-expected.json"
DEV = ROOT.parent / "shared/eval/dev"


def run(config: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == code, result.output + repr(result.exception)
    return result


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, {}, extra=f'[baseline]\narticle = "{BASELINE}"\n')


def test_baseline_is_built_once_and_replaced_only_on_request(config: Path) -> None:
    assert "baseline stored: 16 facts" in run(config, "baseline", "build").stdout
    again = run(config, "baseline", "build").stdout
    assert "already stored" in again and "--replace" in again
    assert "baseline stored" in run(config, "baseline", "build", "--replace").stdout
    shown = json.loads(run(config, "baseline", "show", "--json").stdout)
    assert len(shown) == 16


@pytest.mark.skipif(not EXPECTED.is_file(), reason="../shared/facts is not beside the checkout")
def test_stored_baseline_is_exactly_the_expected_facts(config: Path) -> None:
    run(config, "baseline", "build")
    shown = {f["key"]: f for f in json.loads(run(config, "baseline", "show", "--json").stdout)}
    expected = {f["key"]: f for f in json.loads(EXPECTED.read_text())}
    assert shown.keys() == expected.keys()
    for key, fact in expected.items():
        assert shown[key]["value"] == fact["value"], key
        assert shown[key]["kind"] == fact["kind"], key
        assert fact["evidence"] in shown[key]["evidence"], key


def test_baseline_show_without_a_baseline_says_what_to_do(config: Path) -> None:
    assert "run 'monitor baseline build'" in run(config, "baseline", "show", code=1).stderr


def test_diff_reads_files_in_order_and_stores_nothing(tmp_path: Path, config: Path) -> None:
    first, second = tmp_path / "1.txt", tmp_path / "2.txt"
    first.write_text(
        "Coalition grows\n\nTwenty-seven countries have now committed to sending troops to the "
        "reassurance force, Macron said.\n"
    )
    second.write_text(
        "Coalition grows again\n\nTwenty-eight countries have now committed to sending troops to "
        "the reassurance force, Macron said.\n"
    )
    run(config, "baseline", "build")
    lines = [
        json.loads(x) for x in run(config, "diff", "--json", str(first), str(second)).stdout.splitlines()
    ]
    assert [(c["key"], c["change"], c["old"], c["new"], c["baseline"]) for c in lines] == [
        ("coalition.coalition.troop_pledges", "changed", 26, 27, 26),
        ("coalition.coalition.troop_pledges", "changed", 27, 28, 26),
    ]
    assert set(lines[0]) == {"key", "change", "old", "new", "baseline", "evidence", "extractor"}
    assert run(config, "changes", "--json").stdout == ""  # nothing stored


def test_facts_and_changes_after_a_poll(tmp_path: Path, feed_server: LocalServer) -> None:
    text = (
        "Twenty-seven countries have now committed to sending troops to the reassurance force, Macron said."
    )
    feed = feed_server.serve(
        "/wire.xml", make_feed([feed_item(1, text, title="Coalition grows")], title="Wire")
    )
    config = write_config(tmp_path, {"wire": feed}, extra=f'[baseline]\narticle = "{BASELINE}"\n')
    assert "1 changes" in run(config, "poll").stdout
    facts = {f["key"]: f for f in map(json.loads, run(config, "facts", "--json").stdout.splitlines())}
    pledges = facts["coalition.coalition.troop_pledges"]
    assert (pledges["baseline"], pledges["current"]) == (26, 27) and "news.example.org" in pledges["source"]
    assert facts["coalition.IT.troop_stance"]["current"] == "declines"  # unchanged since the baseline
    [change] = map(json.loads, run(config, "changes", "--json").stdout.splitlines())
    assert (change["old"], change["new"]) == (26, 27)
    assert "Twenty-seven" in run(config, "changes").stdout


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/eval/dev is not beside the checkout")
def test_eval_prints_its_figures(config: Path) -> None:
    out = run(config, "eval", str(DEV)).stdout
    assert "precision" in out and "recall" in out and "F1" in out and "false alerts" in out
    report = json.loads(run(config, "eval", "--json", str(DEV)).stdout)
    assert report["cases"] == 16
    assert report["f1"] >= 0.9 and report["false_alerts"] == 0
