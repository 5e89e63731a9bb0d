"""Plugins: list, check, scaffold."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import MonitorError
from ..service.core import Monitor
from ..tools.scaffold import new_plugin
from .base import cli, fail, plural, with_monitor


@cli.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include the bundled plugins.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--hook", default=None, help="Only plugins implementing this hook.")
@click.option("--check", is_flag=True, help="Validate every plugin; one line per problem, exit 1 if any.")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="Config file (overrides the group's)."
)
@click.pass_context
def plugins(
    ctx: click.Context, show_all: bool, as_json: bool, hook: str | None, check: bool, config_path: Path | None
) -> None:
    """List loaded plugins and the hooks each implements (or start a new plugin: see the subcommand)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(
            plugins_list, show_all=show_all, as_json=as_json, hook=hook, check=check, config_path=config_path
        )


# Not attached to the group: `monitor plugins` itself lists, so that its
# options stay as they were before `plugins new` existed.
@click.command("plugins")
@click.option("--all", "show_all", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--hook", default=None)
@click.option("--check", is_flag=True)
@with_monitor
def plugins_list(app: Monitor, show_all: bool, as_json: bool, hook: str | None, check: bool) -> None:
    """List loaded plugins and the hooks each implements."""
    if check:
        problems = app.check_plugins()
        for problem in problems:
            click.echo(problem)
        loaded = sum(1 for p in app.plugins.plugins.values() if p.status == "loaded")
        click.echo(f"{plural(loaded, 'plugin')} loaded, {plural(len(problems), 'problem')}")
        sys.exit(1 if problems else 0)
    listed = [
        p
        for p in app.plugins.plugins.values()
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


@plugins.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder to create monitor-NAME/ in.",
)
def plugins_new(name: str, parent: Path) -> None:
    """Write monitor-NAME/, a pip-installable plugin with a working extractor and its tests."""
    try:
        scaffold = new_plugin(name, parent)
    except MonitorError as exc:
        fail(str(exc), 1)
        return
    click.echo(f"created {scaffold.folder} (plugin {scaffold.names.name!r}):")
    for path in scaffold.files:
        click.echo(f"  {path}")
    click.echo("next steps:")
    for step in scaffold.next_steps():
        click.echo(f"  {step}")
