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
    assert "1 change," in run(config, "poll").stdout
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


def _case(folder: Path, name: str, text: str, label: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text, "utf-8")
    (folder / f"{name}.json").write_text(json.dumps(label), "utf-8")


@pytest.fixture
def cases(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders of cases written for this test: one hit, one miss, one ignored key, one quiet case."""
    a, b = tmp_path / "a", tmp_path / "b"
    _case(
        a,
        "01-pledge",
        "Spain to send troops\n\nSpain has pledged to send troops to the reassurance force for Ukraine.\n",
        {"changes": [{"key": "coalition.ES.troop_stance", "change": "new", "new": "committed"}]},
    )
    _case(
        a,
        "02-missed",
        "Quiet day\n\nOfficials in Kyiv met reporters about Ukraine.\n",
        {"changes": [{"key": "coalition.PT.troop_stance", "change": "new", "new": "open", "evidence": "x"}]},
    )
    _case(
        b,
        "01-ignored",
        "Austria\n\nAustria will deploy soldiers to Ukraine after the war ends.\n",
        {"changes": [], "ignore": ["coalition.AT.troop_stance"]},
    )
    return a, b


def test_eval_takes_several_folders_and_prints_each_and_every_key(
    config: Path, cases: tuple[Path, Path]
) -> None:
    a, b = cases
    out = run(config, "eval", str(a), str(b)).stdout
    lines = out.splitlines()
    assert any(line.startswith(f"{a}: cases 2") and "recall 0.500" in line for line in lines)
    # the ignored key's prediction counts neither way: no false alert, precision untouched
    assert any(line.startswith(f"{b}: cases 1") and "false alerts 0" in line for line in lines)
    assert any(line.startswith("all: cases 3") for line in lines)
    by_key = {line.split()[0]: line.split()[1:4] for line in lines if line.startswith("coalition.")}
    assert by_key["coalition.ES.troop_stance"] == ["1", "1", "1"]
    assert by_key["coalition.PT.troop_stance"] == ["1", "0", "0"]
    assert "coalition.AT.troop_stance" not in by_key
    report = json.loads(run(config, "eval", "--json", str(a)).stdout)
    assert report["keys"]["coalition.PT.troop_stance"] == {"expected": 1, "predicted": 0, "matched": 0}


def test_eval_explain_shows_the_rule_and_what_blocked_it(config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _case(
        folder,
        "01-hedged",
        "Spain\n\nAnalysts expect that Spain could send troops to Ukraine.\n",
        {"changes": [{"key": "coalition.ES.troop_stance", "change": "new", "new": "committed"}]},
    )
    out = run(config, "eval", "--explain", str(folder)).stdout
    assert "missed coalition.ES.troop_stance new 'committed'" in out
    assert "dropped:" in out and "rule '" in out and "Analysts expect that Spain could send troops" in out


def test_extract_explain_lists_kept_and_dropped_rules(config: Path, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Troops\n\nDenmark will deploy soldiers to Ukraine. Analysts say Spain could send troops to Ukraine.\n"
    )
    out = run(config, "extract", "--explain", str(article)).stdout
    assert "coalition.DK.troop_stance = 'committed'  (kept)" in out
    assert "coalition.ES.troop_stance" in out and "dropped: " in out
