"""Running the service: run, poll, feeds, status."""

from __future__ import annotations

import dataclasses
import json

import click

from ..redact import redact_feed_url
from ..service.core import Monitor
from .base import cli, with_monitor


@cli.command()
@click.option("--instance-name", default=None, help="Name of this instance in logs and leases.")
@with_monitor
def run(app: Monitor, instance_name: str | None) -> None:
    """Run the service: poll every feed at its interval until SIGTERM or SIGINT."""
    app.run(instance=instance_name)


@cli.command()
@click.option("--feed", "feeds", multiple=True, help="Poll only this feed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@with_monitor
def poll(app: Monitor, feeds: tuple[str, ...], as_json: bool) -> None:
    """Poll every feed (or the named ones) once now and print a summary."""
    outcomes = app.poll(feeds)
    for outcome in outcomes:
        click.echo(json.dumps(outcome.__dict__) if as_json else outcome.log_line())
    if not as_json:
        failed = sum(1 for o in outcomes if o.error)
        click.echo(
            f"{len(outcomes)} feeds polled, {sum(o.new for o in outcomes)} new articles, "
            f"{sum(o.changes for o in outcomes)} changes, {failed} failed"
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def feeds(app: Monitor, as_json: bool) -> None:
    """Show each feed's last status, error and next poll."""
    for state in app.feeds():
        if as_json:
            click.echo(json.dumps(state.__dict__ | {"url": redact_feed_url(state.url)}, default=str))
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
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def status(app: Monitor, as_json: bool) -> None:
    """Instances alive, what each holds, due feeds and pending alerts."""
    report = app.status()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report), default=str))
        return
    click.echo(f"store {app.store.display_url}")
    click.echo(f"instances alive: {len(report.instances)}")
    for i in report.instances:
        click.echo(
            f"  {i.name} (host {i.host}, pid {i.pid}) up since {i.started_at:%Y-%m-%d %H:%M:%S}, "
            f"last heartbeat {i.heartbeat_at:%H:%M:%S}: holds {i.feeds_held} feeds, {i.alerts_held} alerts"
        )
    click.echo(f"feeds: {report.feeds} enabled, {report.due_feeds} due, {report.failing_feeds} failing")
    click.echo(f"alerts: {report.pending_alerts} pending, {report.dead_alerts} dead")
