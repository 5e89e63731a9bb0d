"""The ``monitor`` command: parse arguments, call the core, print the result.

Each module here adds one group of commands to ``cli`` (see ``base``); none
holds logic of its own.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..api import PluginSettings
from ..config import load_config, resolve_config_path
from ..errors import ConfigError
from ..logsetup import configure_logging
from ..plugins import PluginHost
from . import alerts, feeds, ops, plugins, service, story, web  # noqa: F401 - they register their commands
from .base import cli

__all__ = ["cli", "main"]


def _option_in(argv: list[str], option: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def _config_in(argv: list[str]) -> str | None:
    return _option_in(argv, "--config")


def _early_logging(argv: list[str]) -> None:
    """Log the way the command line asks already while the plugins load (click parses later)."""
    level = _option_in(argv, "--log-level") or os.environ.get("MONITOR_LOG_LEVEL") or "INFO"
    fmt = _option_in(argv, "--log-format") or os.environ.get("MONITOR_LOG_FORMAT") or "text"
    try:
        configure_logging(level, fmt)
    except ValueError:
        configure_logging()  # click reports the bad value


def _plugin_commands(argv: list[str]) -> dict[str, Any]:
    """Load the plugins before click parses, so their register_commands can add subcommands.

    The host is handed on to the command, so plugins load once per run. A
    broken config is left for the command itself to report.
    """
    try:
        config = load_config(resolve_config_path(_config_in(argv)))
    except ConfigError:
        return {}
    host = PluginHost(
        config.plugin_dirs,
        disabled=config.disabled_plugins,
        settings=PluginSettings(config.root, config.plugin_options),
    ).load()
    host.call_commands(cli)
    return {"plugin_host": host, "plugin_host_config": config.path}


def main() -> None:
    _early_logging(sys.argv[1:])
    cli(prog_name="monitor", obj=_plugin_commands(sys.argv[1:]))
