"""Small builders for the service's own tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from monitor.testing import feed_item, make_feed

# The service's tests use the test kit's builders under shorter names.
rss = make_feed
item = feed_item


def write_config(
    folder: Path,
    feeds: dict[str, str],
    extra: str = "",
    interval: str = "1m",
    database_url: str | None = None,
) -> Path:
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{folder / 'state' / 'monitor.db'}"
    body = [f'[database]\nurl = "{url}"\n', extra]
    for name, url in feeds.items():
        body.append(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\ninterval = "{interval}"\n')
    path = config / "monitor.toml"
    path.write_text("\n".join(body))
    return path


def missing(message: str, under_ci: str) -> NoReturn:
    """What a test needs is not on this machine: a skip for a developer, a failure under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; {under_ci}")
    pytest.skip(message)


# A plugin file for tests that need claims of their own: "the level of f3 is 7" -> t.f3.level = 7.
LEVEL_PLUGIN = """
import re
from monitor import Claim, Extractor, FactSpec, hookimpl

class Level(Extractor):
    name = "level"
    facts = [FactSpec("t", "level", "state", "int", label="Test level")]

    def extract_claims(self, article):
        m = re.search(r"level of (f\\d+) is (\\d+)", article.text)
        return [Claim("t", m.group(1), "level", int(m.group(2)), m.group(0))] if m else []

@hookimpl
def register_extractors(register):
    register(Level())
"""
