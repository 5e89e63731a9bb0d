"""Operating the service: check before start."""

from __future__ import annotations

import dataclasses
import json

import click

from ..service.core import Monitor
from .base import cli, plural, with_monitor


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per problem.")
@with_monitor
def check(app: Monitor, as_json: bool) -> None:
    """Check config, channels and their secrets, plugins, database and baseline; exit 1 on any problem."""
    problems = app.check()
    for problem in problems:
        click.echo(json.dumps(problem.as_json()) if as_json else problem.line())
    if not as_json:
        errors = sum(p.level == "error" for p in problems)
        warnings = len(problems) - errors
        if problems:
            click.echo(f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {app.config.source}")
        else:
            click.echo(
                f"ok: {app.config.source}: {plural(len(app.config.feeds), 'feed')}, "
                f"{plural(len(app.config.channels), 'channel')}, database reachable"
            )
    if problems:
        raise SystemExit(1)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def prune(app: Monitor, dry_run: bool, as_json: bool) -> None:
    """Remove what [retention] says is old: sent and dead alerts, article bodies (never what is needed)."""
    retention = app.config.retention
    report = app.prune(dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report)))
        return
    if retention.alerts is None and retention.articles is None:
        click.echo(f"nothing to prune: no [retention] in {app.config.source}")
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {plural(report.alerts, 'old alert')} and {plural(report.article_texts, 'article text')}"
    )
