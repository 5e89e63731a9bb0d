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
