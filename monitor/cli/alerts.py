"""The alert outbox: list, deliver, retry, enable, test."""

from __future__ import annotations

import json
import sys

import click

from ..service.core import Monitor
from .base import cli, with_monitor
from .table import echo_table


@cli.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]), default=None)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """List alerts in the outbox (or deliver, retry, test: see the subcommands)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list, status=status, limit=limit, as_json=as_json)


@alerts.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]), default=None)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def alerts_list(app: Monitor, status: str | None, limit: int, as_json: bool) -> None:
    """List alerts, newest first."""
    rows, disabled = app.alerts(status=status, limit=limit)
    if not as_json:
        for name, reason in disabled.items():
            click.echo(f"channel {name} is DISABLED: {reason} (monitor alerts enable {name})")
    if as_json:
        for row in rows:
            click.echo(json.dumps(row.__dict__, default=str))
        return
    table = [
        [
            row.id,
            row.channel,
            row.status,
            row.attempts,
            ",".join(map(str, row.change_ids)),
            f"{row.sent_at or row.next_attempt_at:%Y-%m-%d %H:%M:%S}",
            row.last_error or "",
        ]
        for row in rows
    ]
    echo_table(
        ["ALERT", "CHANNEL", "STATUS", "ATTEMPTS", "CHANGES", "WHEN", "LAST ERROR"], table, empty="no alerts"
    )


@alerts.command("deliver")
@with_monitor
def alerts_deliver(app: Monitor) -> None:
    """Send every due alert once now."""
    report = app.deliver()
    for alert_id, error in report.retrying:
        click.echo(f"retrying {alert_id}: {error}")
    for alert_id, error in report.dead:
        click.echo(f"dead {alert_id}: {error}")
    click.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.dead)} dead")


@alerts.command("retry")
@click.argument("alert_id")
@with_monitor
def alerts_retry(app: Monitor, alert_id: str) -> None:
    """Re-queue a dead alert."""
    app.retry_alert(alert_id)
    click.echo(f"{alert_id} re-queued")


@alerts.command("enable")
@click.argument("channel")
@with_monitor
def alerts_enable(app: Monitor, channel: str) -> None:
    """Use a disabled channel again (its dead alerts can then be re-queued with 'retry')."""
    app.enable_channel(channel)
    click.echo(f"channel {channel} enabled")


@alerts.command("test")
@click.argument("channel")
@with_monitor
def alerts_test(app: Monitor, channel: str) -> None:
    """Send a test message through CHANNEL and say what happened."""
    delivered, outcome = app.test_channel(channel)
    click.echo(outcome)
    if not delivered:
        sys.exit(1)
