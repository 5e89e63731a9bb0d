"""Running the service: run, poll, feeds, status."""

from __future__ import annotations

import dataclasses
import json

import click

from ..service.core import Runtime
from .base import cli, with_runtime


@cli.command()
@click.option("--instance-name", default=None, help="Name of this instance in logs and leases.")
@with_runtime
def run(rt: Runtime, instance_name: str | None) -> None:
    """Run the service: poll every feed at its interval until SIGTERM or SIGINT."""
    from ..service.daemon import run_daemon

    if instance_name:
        rt.instance = instance_name
    run_daemon(rt)


@cli.command()
@click.option("--feed", "feeds", multiple=True, help="Poll only this feed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@with_runtime
def poll(rt: Runtime, feeds: tuple[str, ...], as_json: bool) -> None:
    """Poll every feed (or the named ones) once now and print a summary."""
    from ..service.daemon import poll_all

    outcomes = poll_all(rt, list(feeds))
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
@with_runtime
def feeds(rt: Runtime, as_json: bool) -> None:
    """Show each feed's last status, error and next poll."""
    from ..store.feeds import feed_states

    rt.store.sync_feeds(rt.config.feeds)
    with rt.store.transaction() as session:
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
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def status(rt: Runtime, as_json: bool) -> None:
    """Instances alive, what each holds, due feeds and pending alerts."""
    from ..store.instances import status_report

    with rt.store.transaction() as session:
        report = status_report(session, alive_within=3 * rt.config.service.heartbeat)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report), default=str))
        return
    click.echo(f"store {rt.store.display_url}")
    click.echo(f"instances alive: {len(report.instances)}")
    for i in report.instances:
        click.echo(
            f"  {i.name} (host {i.host}, pid {i.pid}) up since {i.started_at:%Y-%m-%d %H:%M:%S}, "
            f"last heartbeat {i.heartbeat_at:%H:%M:%S}: holds {i.feeds_held} feeds, {i.alerts_held} alerts"
        )
    click.echo(f"feeds: {report.feeds} enabled, {report.due_feeds} due, {report.failing_feeds} failing")
    click.echo(f"alerts: {report.pending_alerts} pending, {report.dead_alerts} dead")
