"""The ``monitor`` group and what every command shares: the ``Monitor`` from ``--config``, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import __version__
from ..config import Config, load_config, resolve_config_path
from ..errors import ConfigError, DatabaseError, MonitorError
from ..logsetup import FORMATS, LEVELS, configure_logging
from ..service.core import Monitor

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> None:
    click.echo(f"monitor: {message}", err=True)
    sys.exit(code)


def with_monitor(func: F) -> F:
    """Give a command its Monitor, built from ``--config``; one-line errors, exit 2 for config."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        help="Config file (overrides the group's).",
    )
    @click.pass_context  # type: ignore[arg-type] # click's types do not follow functools.wraps
    @wraps(func)
    def wrapper(ctx: click.Context, *args: Any, config_path: Path | None = None, **kwargs: Any) -> Any:
        app = ctx.obj.get("monitor") if ctx.obj else None
        if app is None or config_path is not None:
            config = _load(config_path or ctx.obj.get("config_path"))
            preloaded = ctx.obj.get("plugin_host")
            same = preloaded is not None and ctx.obj.get("plugin_host_config") == config.path
            app = Monitor(config, host=preloaded if same else None)
            ctx.obj["monitor"] = app
            ctx.call_on_close(app.close)
        try:
            return func(app, *args, **kwargs)
        except (ConfigError, DatabaseError) as exc:
            fail(str(exc), 2)
        except MonitorError as exc:
            fail(str(exc), 1)

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None) -> Config:
    try:
        return load_config(resolve_config_path(path))
    except ConfigError as exc:
        fail(str(exc), 2)
        raise AssertionError from exc


class _ConfigAnywhere(click.Group):
    """``--config PATH`` is accepted before or after any subcommand, groups included."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest, moved = list(args), []
        end = rest.index("--") if "--" in rest else len(rest)
        index = 0
        while index < end:
            arg = rest[index]
            if arg == "--config" and index + 1 < end and index > 0:
                moved += rest[index : index + 2]
                del rest[index : index + 2]
                end -= 2
            elif arg.startswith("--config=") and index > 0:
                moved.append(rest.pop(index))
                end -= 1
            else:
                index += 1
        return super().parse_args(ctx, moved + rest)


@click.group(cls=_ConfigAnywhere)
@click.version_option(__version__, prog_name="monitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="MONITOR_CONFIG",
    help="Config file (default: config/monitor.toml, or the embedded default).",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    envvar="MONITOR_LOG_LEVEL",
    type=click.Choice(list(LEVELS), case_sensitive=False),
)
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    envvar="MONITOR_LOG_FORMAT",
    type=click.Choice(list(FORMATS), case_sensitive=False),
    help="One line per event: text, or a JSON object for log shippers.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, log_level: str, log_format: str) -> None:
    """Watch news feeds for a story and alert on every real change."""
    configure_logging(log_level, log_format)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 change``, ``2 changes``, ``0 changes``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
