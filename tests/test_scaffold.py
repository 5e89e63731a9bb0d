"""`monitor plugins new`: the template renders, installs, is listed and passes its own tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.tools.scaffold import ScaffoldError, new_plugin, plugin_names
from tests.helpers import write_config

ROOT = Path(__file__).resolve().parents[1]
NAME = "troop-counts"
EXPECTED_FILES = {
    "README.md",
    "pyproject.toml",
    "monitor_troop_counts.py",
    "tests/test_monitor_troop_counts.py",
}


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_names_are_derived_and_checked() -> None:
    names = plugin_names("troop-counts")
    assert (names.name, names.distribution, names.module, names.topic, names.class_name) == (
        "troop-counts",
        "monitor-troop-counts",
        "monitor_troop_counts",
        "troop_counts",
        "TroopCountsExtractor",
    )
    assert plugin_names("monitor-drones").name == "drones"
    for bad in ("Troops", "troop_counts", "-troops", "troops-", "troop--counts", "2troops", "", "tröops"):
        with pytest.raises(ScaffoldError, match="lowercase letters, digits"):
            plugin_names(bad)


def test_cli_writes_the_package_and_never_overwrites(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["plugins", "new", NAME, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "monitor-troop-counts"
    assert files_in(folder) == EXPECTED_FILES
    for relative in EXPECTED_FILES:
        assert str(folder / relative) in result.stdout
    assert "next steps:" in result.stdout and "pip install -e ." in result.stdout

    before = {p: p.read_text() for p in folder.rglob("*") if p.is_file()}
    again = CliRunner().invoke(cli, ["plugins", "new", NAME, "--dir", str(tmp_path)])
    assert again.exit_code == 1
    assert again.stderr.count("\n") == 1 and "already exists" in again.stderr
    assert {p: p.read_text() for p in folder.rglob("*") if p.is_file()} == before

    bad = CliRunner().invoke(cli, ["plugins", "new", "Bad_Name", "--dir", str(tmp_path)])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "bad plugin name" in bad.stderr
    taken = CliRunner().invoke(cli, ["plugins", "new", "coalition", "--dir", str(tmp_path)])
    assert taken.exit_code == 1 and "already installed" in taken.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monitor-troop-counts"]


def test_the_rendered_pyproject_declares_the_entry_point(tmp_path: Path) -> None:
    folder = new_plugin(NAME, tmp_path).folder
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == "monitor-troop-counts"
    assert project["requires-python"] == ">=3.11"
    assert any(dep.startswith("news-monitor") for dep in project["dependencies"])
    assert project["entry-points"]["monitor.plugins"] == {NAME: "monitor_troop_counts"}
    readme = (folder / "README.md").read_text()
    assert [line for line in readme.splitlines() if line.startswith("## ")] == [
        "## Install",
        "## Usage",
        "## Development",
    ]
    assert "$" not in (folder / "monitor_troop_counts.py").read_text()  # every placeholder filled


def test_the_rendered_code_is_lint_clean(tmp_path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    folder = new_plugin(NAME, tmp_path).folder
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run([ruff, *args], cwd=folder, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_templates_ship_in_the_wheel() -> None:
    """Every template file is in a listed package and matched by its package-data glob."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = [p.relative_to(ROOT) for p in (ROOT / "monitor" / "templates").rglob("*.tmpl") if p.is_file()]
    assert found
    for path in found:
        package = ".".join(path.parent.parts)
        assert package in setuptools["packages"], f"{package} is not in [tool.setuptools] packages"
        # A package-data glob is relative to its package, and its "*" stops at "/".
        globs = setuptools["package-data"].get(package, [])
        assert any(PurePosixPath(path.name).match(g) for g in globs), f"{path} is not in package-data"


def test_plugins_still_lists_without_a_subcommand(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, {}))
    listed = CliRunner().invoke(cli, ["--config", config, "plugins", "--all", "--json"])
    assert listed.exit_code == 0, listed.output
    names = {p["name"] for p in json.loads(listed.stdout)}
    assert {"coalition", "email", "webhook"} <= names
    only = CliRunner().invoke(cli, ["plugins", "--all", "--hook", "register_notifiers", "--config", config])
    assert only.exit_code == 0, only.output
    assert "email" in only.stdout and "coalition" not in only.stdout
    plain = CliRunner().invoke(cli, ["--config", config, "plugins"])
    assert plain.exit_code == 0 and "no plugins beyond the bundled ones" in plain.stdout


# -- the generated package, installed into a fresh virtualenv ----------------------


def _child_env() -> dict[str, str]:
    """The environment for the child processes: none of this test run's switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MONITOR_", "PYTEST_", "PIP_")) and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _make_venv(folder: Path) -> Path:
    """A virtualenv that sees this interpreter's packages (news-monitor, pytest, setuptools, pip).

    ``--system-site-packages`` reaches the *base* interpreter's packages only;
    when the tests run inside a virtualenv, news-monitor is installed there,
    so a ``.pth`` file adds this interpreter's site-packages too. No network,
    and no pip bootstrap (``--without-pip``): pip comes from this interpreter.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(folder)],
        check=True,
        timeout=120,
    )
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in ours)
    (Path(purelib) / "_monitor_parent_site.pth").write_text(lines)
    return python


@pytest.mark.slow
def test_the_generated_plugin_installs_is_listed_and_passes_its_tests(tmp_path: Path) -> None:
    scaffold = new_plugin(NAME, tmp_path)
    assert files_in(scaffold.folder) == EXPECTED_FILES
    python = _make_venv(tmp_path / "venv")
    env = _child_env()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(python), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
        return done

    run("-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "-e", str(scaffold.folder))

    # `monitor plugins --json` of that environment (news-monitor has no console
    # script there, so the same entry function is run with -m).
    listed = json.loads(run("-m", "monitor.cli", "plugins", "--json").stdout)
    [plugin] = [p for p in listed if p["name"] == NAME]
    assert plugin["status"] == "loaded" and plugin["error"] is None
    assert plugin["source"] == "entry point" and plugin["distribution"] == "monitor-troop-counts"
    assert plugin["hooks"] == ["register_extractors"] and plugin["extractors"] == [NAME]
    assert not plugin["bundled"]

    tests = run("-m", "pytest", str(scaffold.folder / "tests"), "-q", "-p", "no:cacheprovider")
    assert " passed" in tests.stdout and "failed" not in tests.stdout and "skipped" not in tests.stdout

    # And its claims show in `monitor extract`, as the docs tell a new author to check.
    article = tmp_path / "article.txt"
    article.write_text("Troops\n\nBERLIN - Germany announced 500 troops for the mission on Tuesday.\n")
    claims = [
        json.loads(line)
        for line in run("-m", "monitor.cli", "extract", "--json", str(article)).stdout.splitlines()
    ]
    assert [c["value"] for c in claims if c["extractor"] == NAME] == [500]
