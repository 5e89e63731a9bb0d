"""The ``monitor`` command: parse arguments, call the core, print the result."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import Config, load_config, resolve_config_path
from .errors import ConfigError, MonitorError
from .runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(f"monitor: {message}", err=True)
    sys.exit(code)


def with_runtime(func: F) -> F:
    """Give a command its Runtime, built from ``--config``; one-line errors, exit 2 for config."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file (overrides the group's).")
    @click.pass_context
    @wraps(func)
    def wrapper(ctx: click.Context, *args: Any, config_path: Path | None = None, **kwargs: Any) -> Any:
        rt = ctx.obj.get("runtime") if ctx.obj else None
        if rt is None or config_path is not None:
            rt = Runtime(_load(config_path or ctx.obj.get("config_path")))
            ctx.obj["runtime"] = rt
            ctx.call_on_close(rt.close)
        try:
            return func(rt, *args, **kwargs)
        except ConfigError as exc:
            _fail(str(exc), 2)
        except MonitorError as exc:
            _fail(str(exc), 1)

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None) -> Config:
    try:
        return load_config(resolve_config_path(path))
    except ConfigError as exc:
        _fail(str(exc), 2)
        raise AssertionError from exc


@click.group()
@click.version_option(__version__, prog_name="monitor")
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar="MONITOR_CONFIG",
              help="Config file (default: config/monitor.toml, or the embedded default).")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, log_level: str) -> None:
    """Watch news feeds for a story and alert on every real change."""
    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@cli.command()
@click.option("--instance-name", default=None, help="Name of this instance in logs and leases.")
@with_runtime
def run(rt: Runtime, instance_name: str | None) -> None:
    """Run the service: poll every feed at its interval until SIGTERM or SIGINT."""
    from .daemon import run_daemon

    if instance_name:
        rt.instance = instance_name
    run_daemon(rt)


@cli.command()
@click.option("--feed", "feeds", multiple=True, help="Poll only this feed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@with_runtime
def poll(rt: Runtime, feeds: tuple[str, ...], as_json: bool) -> None:
    """Poll every feed (or the named ones) once now and print a summary."""
    from .daemon import Poller
    from .store.feeds import sync_feeds

    known = {f.name for f in rt.config.feeds}
    for name in feeds:
        if name not in known:
            raise MonitorError(f"no feed named {name!r} in {rt.config.source}")
    with rt.store.transaction() as session:
        sync_feeds(session, rt.config.feeds)
    poller = Poller(rt, on_outcome=lambda outcome: None)
    try:
        outcomes = poller.poll_once(list(feeds) or None)
    finally:
        poller.shutdown()
    for outcome in sorted(outcomes, key=lambda o: o.feed):
        click.echo(json.dumps(outcome.__dict__) if as_json else outcome.log_line())
    if not as_json:
        failed = sum(1 for o in outcomes if o.error)
        click.echo(
            f"{len(outcomes)} feeds polled, {sum(o.new for o in outcomes)} new articles, "
            f"{sum(o.changes for o in outcomes)} changes, {failed} failed"
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def feeds(rt: Runtime, as_json: bool) -> None:
    """Show each feed's last status, error and next poll."""
    from .store.feeds import feed_states, sync_feeds

    with rt.store.transaction() as session:
        sync_feeds(session, rt.config.feeds)
        states = feed_states(session)
    for state in states:
        if as_json:
            click.echo(json.dumps(state.__dict__, default=str))
            continue
        status = "disabled" if not state.enabled else (state.last_status or "never polled")
        when = state.next_poll_at.strftime("%Y-%m-%d %H:%M:%S UTC") if state.next_poll_at else "-"
        line = f"{state.name:<28} {status!s:<14} next {when}  failures {state.consecutive_failures}"
        if state.last_error:
            line += f"  error: {state.last_error}"
        elif state.last_parse_warning:
            line += f"  warning: {state.last_parse_warning}"
        click.echo(line)


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include the bundled plugins.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--hook", default=None, help="Only plugins implementing this hook.")
@with_runtime
def plugins(rt: Runtime, show_all: bool, as_json: bool, hook: str | None) -> None:
    """List loaded plugins and the hooks each implements."""
    listed = [
        p for p in rt.plugins.plugins.values()
        if (show_all or not p.bundled or p.status != "loaded") and (hook is None or hook in p.hooks)
    ]
    if as_json:
        click.echo(json.dumps([p.as_json() for p in listed], indent=2))
        return
    if not listed:
        click.echo("no plugins beyond the bundled ones (use --all to list those)")
    for p in listed:
        version = f" {p.version}" if p.version else ""
        click.echo(f"{p.name}{version} [{p.source}{', bundled' if p.bundled else ''}] {p.status}")
        if p.hooks:
            click.echo(f"  hooks: {', '.join(p.hooks)}")
        if p.extractors or p.notifiers:
            click.echo(f"  provides: {', '.join([*p.extractors, *p.notifiers])}")
        if p.error:
            click.echo(f"  error: {p.error}")


def main() -> None:
    cli(prog_name="monitor")
