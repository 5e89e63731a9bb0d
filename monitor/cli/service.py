"""Running the service: run, poll, status (feeds: ``cli/feeds.py``)."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from typing import Any

import click

from ..service.core import Monitor
from ..service.poll import PollOutcome
from .base import cli, plural, with_monitor


@cli.command()
@click.option("--instance-name", default=None, help="Name of this instance in logs and leases.")
@with_monitor
def run(app: Monitor, instance_name: str | None) -> None:
    """Run the service: poll every feed at its interval until SIGTERM or SIGINT."""
    app.run(instance=instance_name)


@cli.command()
@click.option("--feed", "feeds", multiple=True, help="Poll only this feed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed, then one for the summary.")
@with_monitor
def poll(app: Monitor, feeds: tuple[str, ...], as_json: bool) -> None:
    """Poll every feed (or the named ones) once now: a line per feed as it finishes, then a summary.

    Exit status: 0 when every feed was polled, 1 when some failed.
    """
    lock = threading.Lock()
    names = set(feeds)
    total = sum(1 for f in app.config.feeds if f.enabled and (not names or f.name in names))
    # On a terminal a progress bar stands under the lines (on stderr, so a pipe gets lines only).
    bar = _progress(total) if not as_json and sys.stderr.isatty() and total else None

    def finished(outcome: PollOutcome) -> None:
        with lock:
            if bar is not None:
                click.echo("\r\033[K", nl=False, err=True)
            click.echo(json.dumps(dataclasses.asdict(outcome)) if as_json else outcome.log_line())
            if bar is not None:
                bar.update(1)

    try:
        outcomes = app.poll(feeds, on_outcome=finished)
    finally:
        if bar is not None:
            bar.render_finish()
    failed = [o.feed for o in outcomes if o.error]
    new, changes = sum(o.new for o in outcomes), sum(o.changes for o in outcomes)
    summary = {"feeds": len(outcomes), "new": new, "changes": changes, "failed": failed}
    if as_json:
        click.echo(json.dumps({"summary": summary}))
    else:
        line = (
            f"{plural(len(outcomes), 'feed')} polled, {plural(new, 'new article')}, "
            f"{plural(changes, 'change')}, {len(failed)} failed"
        )
        click.echo(line + (f": {', '.join(failed)}" if failed else ""))
    if failed:
        raise SystemExit(1)


def _progress(total: int) -> Any:
    bar = click.progressbar(length=total, label="polling", file=sys.stderr, show_pos=True, show_eta=False)
    bar.render_progress()
    return bar


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
