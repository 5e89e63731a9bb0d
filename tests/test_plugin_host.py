from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor import Claim, Extractor, FactSpec, hookimpl
from monitor.extract.run import extract
from monitor.plugins import PluginHost
from monitor.testing import make_article

GOOD = """
from monitor import Claim, Extractor, FactSpec, hookimpl

class Weather(Extractor):
    name = "weather"
    facts = [FactSpec("weather", "sky", "state", "enum", values=("rain", "sun"))]

    def extract_claims(self, article):
        if "rain" in article.text:
            return [Claim("weather", "city", "sky", "rain", "rain")]
        return []

@hookimpl
def register_extractors(register):
    register(Weather())
"""


def make_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "plugins.d"
    folder.mkdir()
    for name, body in files.items():
        (folder / name).write_text(textwrap.dedent(body))
    return folder


def test_directory_plugins_load_in_isolation(tmp_path: Path) -> None:
    folder = make_dir(
        tmp_path,
        {
            "good.py": GOOD,
            "broken.py": "raise RuntimeError('boom at import')\n",
            "exits.py": "import sys\nsys.exit(3)\n",
            "typo.py": "from monitor import hookimpl\n@hookimpl\ndef register_extractor(register):\n    pass\n",
            "raises.py": "from monitor import hookimpl\n@hookimpl\ndef register_extractors(register):\n"
            "    raise ValueError('bad registration')\n",
        },
    )
    host = PluginHost([folder], entry_points=False).load()
    status = {name: p.status for name, p in host.plugins.items()}
    assert status == {
        "good": "loaded",
        "broken": "failed",
        "exits": "failed",
        "typo": "failed",
        "raises": "loaded",
    }
    assert "boom at import" in host.plugins["broken"].error
    assert "register_extractor" in host.plugins["typo"].error
    assert list(host.extractors) == ["weather"]
    assert host.failures[("raises", "register_extractors")] == 1


def test_entry_points_load_bundled_plugins_and_env_selects(monkeypatch: pytest.MonkeyPatch) -> None:
    host = PluginHost().load()
    bundled = {name for name, p in host.plugins.items() if p.bundled}
    assert {"coalition", "us_guarantees", "russia", "email", "webhook"} <= bundled
    monkeypatch.setenv("MONITOR_LOAD_PLUGINS", "")
    host = PluginHost().load()
    assert all(p.status == "blocked" for p in host.plugins.values())
    assert not host.extractors
    monkeypatch.setenv("MONITOR_LOAD_PLUGINS", "coalition")
    monkeypatch.setenv("MONITOR_DISABLE_PLUGINS", "russia")
    host = PluginHost().load()
    assert host.plugins["russia"].status == "blocked"


class Raising(Extractor):
    name = "raising"
    facts = (FactSpec("t", "a", "state", "int"),)

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaput")


class Exiting(Raising):
    name = "exiting"

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        raise SystemExit(1)


class Hanging(Raising):
    name = "hanging"

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        import threading

        threading.Event().wait()


class Garbage(Raising):
    name = "garbage"

    def __init__(self, value):  # type: ignore[no-untyped-def]
        self.value = value

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        return self.value


class Good(Raising):
    name = "good"

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        return [Claim("t", "s", "a", 3, "three")]


def host_with(*extractors: Extractor) -> PluginHost:
    host = PluginHost(entry_points=False).load()

    class Plugin:
        @hookimpl
        def register_extractors(self, register):  # type: ignore[no-untyped-def]
            for e in extractors:
                register(e)

    host.register(Plugin(), "test-plugin")
    return host


@pytest.mark.parametrize(
    "bad",
    [
        Raising(),
        Exiting(),
        Hanging(),
        Garbage(None),
        Garbage("a string"),
        Garbage([Claim("t", "s", "a", float("nan"), "three")]),
        Garbage([Claim("t", "s", "a", 1, "three", confidence=float("nan"))]),
        Garbage([Claim("t", "s", "a", 1, "x" * 10_000_000)]),
        Garbage([Claim("t", "s", "a", 1, b"\xff\xfe".decode("latin-1"))]),
        Garbage([Claim("t", "s", "other", 1, "three")]),
        Garbage([Claim("t", "s", "a", 1, "not in the article")]),
        Garbage([object()]),
    ],
    ids=lambda e: type(e).__name__ + (repr(getattr(e, "value", ""))[:30] if hasattr(e, "value") else ""),
)
def test_a_bad_extractor_loses_only_its_own_claims(bad: Extractor) -> None:
    host = host_with(bad, Good())
    article = make_article("one two three four", "headline")
    result = extract(host, article, timeout=0.5)
    assert [(c.key, c.value, c.extractor) for c in result.claims] == [("t.s.a", 3, "good")]
    assert sum(host.failures.values()) >= 1


class FlakyOnce(Raising):
    """Fails on the first call for each article, then works."""

    name = "flaky"

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        if article.id not in self.seen:
            self.seen.add(article.id)
            raise RuntimeError("temporarily broken")
        return [Claim("t", "s", "a", 3, "three")]


class AlwaysBroken(Raising):
    name = "always-broken"


def test_an_article_a_plugin_failed_on_is_read_again_never_silently_done(tmp_path: Path) -> None:
    import sqlite3

    from monitor.config import load_config
    from monitor.service.poll import MAX_EXTRACT_ATTEMPTS, retry_failed_extractions, store_articles
    from monitor.service.runtime import Runtime
    from tests.helpers import write_config

    flaky, broken = FlakyOnce(), AlwaysBroken()
    rt = Runtime(load_config(write_config(tmp_path, {})), host=host_with(flaky, broken))
    store_articles(rt, [make_article("one two three four", "headline")])
    database = tmp_path / "state" / "monitor.db"
    with sqlite3.connect(database) as db:
        assert db.execute("select status, failed_extractors from articles").fetchone() == (
            "failed",
            '["flaky", "always-broken"]',
        )
        assert db.execute("select count(*) from changes").fetchone() == (0,)
    assert retry_failed_extractions(rt) == 1  # flaky now works: its claim becomes a change
    for _ in range(MAX_EXTRACT_ATTEMPTS):
        retry_failed_extractions(rt)
    with sqlite3.connect(database) as db:
        assert db.execute("select status, failed_extractors, extract_attempts from articles").fetchone() == (
            "abandoned",
            '["always-broken"]',
            MAX_EXTRACT_ATTEMPTS,
        )
        assert db.execute("select key, new from changes").fetchall() == [("t.s.a", 3)]
    rt.close()
