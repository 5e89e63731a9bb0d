"""``monitor feeds``: each feed's state; add, remove, import and export feeds in the config file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..redact import redact_feed_url
from ..service.core import Monitor
from .base import cli, plural, with_monitor
from .table import echo_table


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds(ctx: click.Context, as_json: bool) -> None:
    """Show each feed's last status, error and next poll (or edit the feeds: see the subcommands)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(feeds_list, as_json=as_json)


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@with_monitor
def feeds_list(app: Monitor, as_json: bool) -> None:
    """Each feed's last status, error and next poll."""
    states = app.feeds()
    if as_json:
        for state in states:
            click.echo(json.dumps(state.__dict__ | {"url": redact_feed_url(state.url)}, default=str))
        return
    rows = []
    for s in states:
        if not s.enabled:
            status = "disabled"
        elif s.last_poll_at is None:
            status = "never polled"
        elif s.last_error:
            status = f"failed ({s.last_status})" if s.last_status else "failed"
        else:
            status = str(s.last_status or "ok")
        when = s.next_poll_at.strftime("%Y-%m-%d %H:%M:%S UTC") if s.next_poll_at else "-"
        note = f"error: {s.last_error}" if s.last_error else (s.last_parse_warning or "")
        rows.append([s.name, status, when, s.consecutive_failures, note])
    echo_table(["FEED", "STATUS", "NEXT POLL", "FAILURES", "ERROR"], rows, empty="no feeds configured")


@feeds.command("add")
@click.argument("url")
@click.option("--name", default=None, help="Feed name (default: made from the URL).")
@click.option("--interval", default=None, help="How often to poll, e.g. 15m (default: 15m).")
@click.option("--outlet", default=None, help="Outlet name for quorum (default: the feed's own).")
@with_monitor
def feeds_add(app: Monitor, url: str, name: str | None, interval: str | None, outlet: str | None) -> None:
    """Add a feed to the config file (comments and layout kept; refused if the config would be invalid)."""
    feed = app.add_feed(url, name=name, interval=interval, outlet=outlet)
    click.echo(f"added feed {feed.name} ({feed.url}) to {app.config.source}")


@feeds.command("remove")
@click.argument("name")
@with_monitor
def feeds_remove(app: Monitor, name: str) -> None:
    """Remove a feed from the config file."""
    app.remove_feed(name)
    click.echo(f"removed feed {name} from {app.config.source}")


@feeds.command("import")
@click.argument("opml", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--interval", default=None, help="Poll interval for the imported feeds.")
@with_monitor
def feeds_import(app: Monitor, opml: Path, interval: str | None) -> None:
    """Add every feed of an OPML file that the config does not have yet."""
    report = app.import_opml(opml, interval=interval)
    for feed in report.added:
        click.echo(f"added {feed.name} ({feed.url})")
    for url, why in report.skipped:
        click.echo(f"skipped {url}: {why}")
    click.echo(f"{plural(len(report.added), 'feed')} added, {len(report.skipped)} skipped")


@feeds.command("export")
@with_monitor
def feeds_export(app: Monitor) -> None:
    """Print the configured feeds as OPML 2.0."""
    click.echo(app.export_opml(), nl=False)
