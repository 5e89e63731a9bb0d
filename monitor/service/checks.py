"""``monitor check``: everything that would fail later, found before the service starts.

The config itself was validated when it was loaded (a bad one never gets
here). These checks look at what the validator cannot: every channel built
by its notifier, the environment variables its ``*_env`` keys name, the
plugins that failed to load, the database (reachable, schema known), the
baseline article. ``monitor run`` runs the same checks at start: it refuses
to start on an error and logs the warnings (what only looks wrong, such as
no alert channel).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..config import Config
from ..deliver.channels import make_channel
from ..errors import ConfigError
from ..facts.baseline import baseline_article_path
from ..plugins import PluginHost
from ..redact import redact_text
from ..store import Store

__all__ = ["Problem", "run_checks"]


@dataclass(frozen=True)
class Problem:
    level: Literal["error", "warning"]
    message: str

    def line(self) -> str:
        return f"{self.level}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "message": self.message}


def run_checks(
    config: Config, host: PluginHost, *, environ: Mapping[str, str] | None = None, database: bool = True
) -> list[Problem]:
    """Every problem found, errors first; an empty list means ready to run."""
    env = os.environ if environ is None else environ
    problems = [*_plugins(host), *_channels(config, host, env), *_feeds(config), *_baseline(config)]
    # The database is opened only for a config with no error: a bad channel is refused
    # before anything is created or migrated.
    if database and not any(p.level == "error" for p in problems):
        problems += _database(config)
    return sorted(problems, key=lambda p: p.level != "error")


def _plugins(host: PluginHost) -> list[Problem]:
    return [
        Problem("warning", f"plugin {p.name!r} failed to load ({p.error}); the service runs without it")
        for p in host.plugins.values()
        if p.status == "failed"
    ]


def _missing_env(table: Mapping[str, Any], env: Mapping[str, str]) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, value in table.items()
        if key.endswith("_env") and isinstance(value, str) and not env.get(value)
    ]


def _channels(config: Config, host: PluginHost, env: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if not config.channels:
        problems.append(
            Problem("warning", f"{config.source}: no [[channels]]: changes are stored but nobody is alerted")
        )
    for index, channel in enumerate(config.channels):
        try:
            make_channel(config, host, channel, index)
        except ConfigError as exc:
            problems.append(Problem("error", str(exc)))
        for key, variable in _missing_env(channel.options, env):
            problems.append(
                Problem(
                    "error",
                    f"channel {channel.name!r}: environment variable {variable} ({key}) is not set",
                )
            )
    for plugin, table in config.plugin_options.items():
        for key, variable in _missing_env(table, env):
            problems.append(
                Problem("error", f"[plugins.{plugin}]: environment variable {variable} ({key}) is not set")
            )
    return problems


def _feeds(config: Config) -> list[Problem]:
    if not config.feeds:
        return [Problem("warning", f"{config.source}: no [[feeds]]: nothing will be polled")]
    if not any(f.enabled for f in config.feeds):
        return [Problem("warning", f"{config.source}: every feed is disabled: nothing will be polled")]
    return []


def _baseline(config: Config) -> list[Problem]:
    if config.baseline_article is None:  # none configured: the service builds no baseline
        return []
    path = baseline_article_path(config)
    if not path.is_file():
        return [Problem("error", f"baseline article {path} does not exist")]
    return []


def _database(config: Config) -> list[Problem]:
    store = Store(config.database_url, pool_size=1)
    try:
        current, head, known = store.schema_state()
    except Exception as exc:
        reason = redact_text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return [Problem("error", f"database {store.display_url} is not reachable: {reason}")]
    finally:
        store.dispose()
    if not known:
        return [
            Problem(
                "error",
                f"database {store.display_url} is at schema revision {current}, newer than this "
                f"version of monitor knows (head {head}): upgrade monitor",
            )
        ]
    return []
