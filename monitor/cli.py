"""The ``monitor`` command: parse arguments, call the core, print the result."""

from __future__ import annotations

import dataclasses
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
            config = _load(config_path or ctx.obj.get("config_path"))
            preloaded = ctx.obj.get("plugin_host")
            same = preloaded is not None and ctx.obj.get("plugin_host_config") == config.path
            rt = Runtime(config, host=preloaded if same else None)
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
    from .baseline import ensure_baseline
    from .daemon import Poller
    known = {f.name for f in rt.config.feeds}
    for name in feeds:
        if name not in known:
            raise MonitorError(f"no feed named {name!r} in {rt.config.source}")
    rt.store.sync_feeds(rt.config.feeds)
    ensure_baseline(rt)
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
    from .store.feeds import feed_states

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


@cli.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include the bundled plugins.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--hook", default=None, help="Only plugins implementing this hook.")
@click.option("--check", is_flag=True, help="Validate every plugin; one line per problem, exit 1 if any.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file (overrides the group's).")
@click.pass_context
def plugins(
    ctx: click.Context, show_all: bool, as_json: bool, hook: str | None, check: bool, config_path: Path | None
) -> None:
    """List loaded plugins and the hooks each implements (or start a new plugin: see the subcommand)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(plugins_list, show_all=show_all, as_json=as_json, hook=hook, check=check, config_path=config_path)


# Not attached to the group: `monitor plugins` itself lists, so that its
# options stay as they were before `plugins new` existed.
@click.command("plugins")
@click.option("--all", "show_all", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--hook", default=None)
@click.option("--check", is_flag=True)
@with_runtime
def plugins_list(rt: Runtime, show_all: bool, as_json: bool, hook: str | None, check: bool) -> None:
    """List loaded plugins and the hooks each implements."""
    if check:
        from .plugin_check import check_plugins

        problems = check_plugins(rt.plugins)
        for problem in problems:
            click.echo(problem)
        loaded = sum(1 for p in rt.plugins.plugins.values() if p.status == "loaded")
        click.echo(f"{loaded} plugins loaded, {len(problems)} problems")
        sys.exit(1 if problems else 0)
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


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


@cli.group()
def baseline() -> None:
    """Build or show the baseline: the facts of the baseline article."""


@baseline.command("build")
@click.argument("article", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace a stored baseline.")
@with_runtime
def baseline_build(rt: Runtime, article: Path | None, replace: bool) -> None:
    """Extract the baseline from ARTICLE (default: the config's) and store it once."""
    from .baseline import build_baseline

    result = build_baseline(rt, article, replace=replace)
    if not result.created:
        click.echo(f"baseline already stored ({len(result.facts)} facts from {result.source}); "
                   "nothing changed - use --replace to rebuild it")
        return
    click.echo(f"baseline stored: {len(result.facts)} facts from {result.source}")


@baseline.command("show")
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def baseline_show(rt: Runtime, as_json: bool) -> None:
    """Print the stored baseline."""
    from .store.facts import baseline_facts

    with rt.store.transaction() as session:
        facts = baseline_facts(session)
    if not facts:
        raise MonitorError("no baseline stored: run 'monitor baseline build'")
    if as_json:
        click.echo(json.dumps([{"key": f.key, "kind": f.kind, "value": f.value, "evidence": f.evidence,
                                "extractor": f.extractor, "confidence": f.confidence} for f in facts],
                              indent=1, ensure_ascii=False))
        return
    for f in facts:
        click.echo(f"{f.key:<40} {_show(f.value):<36} {f.evidence[:80]}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change (the documented format).")
@with_runtime
def diff(rt: Runtime, files: tuple[Path, ...], as_json: bool) -> None:
    """Compare article FILES with what is known, in order, storing nothing."""
    from .compare import compare_files

    for change in compare_files(rt, files):
        if as_json:
            click.echo(json.dumps(change.as_json(), ensure_ascii=False))
        else:
            arrow = f"{_show(change.old)} -> {_show(change.new)}" if change.change == "changed" else _show(change.new)
            click.echo(f"{change.change:<8} {change.key}: {arrow}  [{change.extractor}] {change.evidence[:100]}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def facts(rt: Runtime, as_json: bool) -> None:
    """Every key: baseline value, current value, when and where it last changed."""
    from .store.facts import facts_overview

    with rt.store.transaction() as session:
        rows = facts_overview(session)
    for row in rows:
        if as_json:
            click.echo(json.dumps(row.__dict__, default=str, ensure_ascii=False))
            continue
        when = row.changed_at.strftime("%Y-%m-%d %H:%M") if row.changed_at else "baseline"
        click.echo(f"{row.key:<40} {_show(row.baseline):<28} now {_show(row.current):<28} {when}  {row.source or ''}")


@cli.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def changes(rt: Runtime, limit: int, as_json: bool) -> None:
    """The timeline of changes, newest first."""
    from .store.facts import list_changes

    with rt.store.transaction() as session:
        rows = list_changes(session, limit=limit)
    for c in rows:
        if as_json:
            click.echo(json.dumps(c.as_json() | {"id": c.id, "detected": str(c.detected)}, ensure_ascii=False))
            continue
        when = c.detected.strftime("%Y-%m-%d %H:%M") if c.detected else ""
        old = f"{_show(c.old)} -> " if c.change == "changed" else ""
        click.echo(f"{when} #{c.id} {c.change:<8} {c.key}: {old}{_show(c.new)}  {c.evidence[:90]}")


@cli.command("eval")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True)
@click.option("--verbose", "-v", is_flag=True, help="Show each miss and each extra change.")
@with_runtime
def eval_command(rt: Runtime, case_dir: Path, as_json: bool, verbose: bool) -> None:
    """Precision, recall and F1 of the extractors on labelled cases in CASE_DIR."""
    from .articlefile import read_article_file
    from .baseline import baseline_article_path
    from .evaluate import evaluate

    report = evaluate(case_dir, rt.plugins, read_article_file(baseline_article_path(rt)))
    summary = report.as_json()
    if as_json:
        click.echo(json.dumps(summary, indent=1, ensure_ascii=False))
        return
    if verbose:
        for failure in summary["failures"]:
            for miss in failure["missed"]:
                click.echo(f"{failure['case']}: missed {miss['key']} {miss['change']} {_show(miss['new'])}")
            for extra in failure["extra"]:
                click.echo(f"{failure['case']}: extra  {extra['key']} {extra['change']} {_show(extra['new'])}"
                           f"  <- {extra['evidence'][:90]}")
    click.echo(f"cases {summary['cases']}  precision {report.precision:.3f}  recall {report.recall:.3f}  "
               f"F1 {report.f1:.3f}  false alerts {report.false_alerts}")


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
@with_runtime
def alerts_list(rt: Runtime, status: str | None, limit: int, as_json: bool) -> None:
    """List alerts, newest first."""
    from .store.channels import disabled_channels
    from .store.outbox import list_alerts

    with rt.store.transaction() as session:
        rows = list_alerts(session, status=status, limit=limit)
        disabled = disabled_channels(session)
    if not as_json:
        for name, reason in disabled.items():
            click.echo(f"channel {name} is DISABLED: {reason} (monitor alerts enable {name})")
    for row in rows:
        if as_json:
            click.echo(json.dumps(row.__dict__, default=str))
            continue
        when = row.sent_at or row.next_attempt_at
        line = f"{row.id} {row.channel:<12} {row.status:<8} attempts {row.attempts}  changes {row.change_ids}  {when:%Y-%m-%d %H:%M:%S}"
        if row.last_error:
            line += f"  last error: {row.last_error}"
        click.echo(line)


@alerts.command("deliver")
@with_runtime
def alerts_deliver(rt: Runtime) -> None:
    """Send every due alert once now."""
    from .alerts import Deliverer

    report = Deliverer(rt).deliver_due()
    for alert_id, error in report.retrying:
        click.echo(f"retrying {alert_id}: {error}")
    for alert_id, error in report.dead:
        click.echo(f"dead {alert_id}: {error}")
    click.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.dead)} dead")


@alerts.command("retry")
@click.argument("alert_id")
@with_runtime
def alerts_retry(rt: Runtime, alert_id: str) -> None:
    """Re-queue a dead alert."""
    from .store.outbox import requeue_alert

    with rt.store.transaction() as session:
        if not requeue_alert(session, alert_id):
            raise MonitorError(f"no dead alert with id {alert_id!r}")
    click.echo(f"{alert_id} re-queued")


@alerts.command("enable")
@click.argument("channel")
@with_runtime
def alerts_enable(rt: Runtime, channel: str) -> None:
    """Use a disabled channel again (its dead alerts can then be re-queued with 'retry')."""
    from .store.channels import enable_channel

    with rt.store.transaction() as session:
        if not enable_channel(session, channel):
            raise MonitorError(f"channel {channel!r} is not disabled")
    click.echo(f"channel {channel} enabled")


@alerts.command("test")
@click.argument("channel")
@with_runtime
def alerts_test(rt: Runtime, channel: str) -> None:
    """Send a test message through CHANNEL and say what happened."""
    from .alerts import send_test

    delivered, outcome = send_test(rt, channel)
    click.echo(outcome)
    if not delivered:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@with_runtime
def status(rt: Runtime, as_json: bool) -> None:
    """Instances alive, what each holds, due feeds and pending alerts."""
    from .daemon import HEARTBEAT_SECONDS
    from .store.instances import status_report

    with rt.store.transaction() as session:
        report = status_report(session, alive_within=3 * HEARTBEAT_SECONDS)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report), default=str))
        return
    click.echo(f"store {rt.store.display_url}")
    click.echo(f"instances alive: {len(report.instances)}")
    for i in report.instances:
        click.echo(f"  {i.name} (host {i.host}, pid {i.pid}) up since {i.started_at:%Y-%m-%d %H:%M:%S}, "
                   f"last heartbeat {i.heartbeat_at:%H:%M:%S}: holds {i.feeds_held} feeds, {i.alerts_held} alerts")
    click.echo(f"feeds: {report.feeds} enabled, {report.due_feeds} due, {report.failing_feeds} failing")
    click.echo(f"alerts: {report.pending_alerts} pending, {report.dead_alerts} dead")


@cli.command()
@click.argument("source")
@click.option("--extractor", "extractors", multiple=True, help="Only this extractor (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim.")
@with_runtime
def extract(rt: Runtime, source: str, extractors: tuple[str, ...], as_json: bool) -> None:
    """Show what each extractor claims from one article: a text FILE or a URL."""
    from .inspection import inspect_source

    for inspection in inspect_source(rt, source, extractors=list(extractors) or None):
        article = inspection.article
        if not as_json:
            click.echo(f"# {article.title or article.id}" + (f"  <{article.url}>" if article.url else ""))
        for claim in inspection.result.claims:
            if as_json:
                click.echo(json.dumps({"key": claim.key, "value": claim.value, "evidence": claim.evidence,
                                       "extractor": claim.extractor, "confidence": claim.confidence,
                                       "article": article.url or article.id}, ensure_ascii=False))
            else:
                click.echo(f"{claim.key:<40} {_show(claim.value):<24} {claim.confidence:.2f} [{claim.extractor}]")
                click.echo(f"    {claim.evidence}")
        for name in inspection.result.failed:
            click.echo(f"extractor {name!r} failed on this article (see the log)", err=True)
        if not inspection.result.claims and not as_json:
            click.echo("no claims")


@plugins.command("new")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="Folder to create monitor-NAME/ in.")
def plugins_new(name: str, parent: Path) -> None:
    """Write monitor-NAME/, a pip-installable plugin with a working extractor and its tests."""
    from .scaffold import new_plugin

    try:
        scaffold = new_plugin(name, parent)
    except MonitorError as exc:
        _fail(str(exc), 1)
        return
    click.echo(f"created {scaffold.folder} (plugin {scaffold.names.name!r}):")
    for path in scaffold.files:
        click.echo(f"  {path}")
    click.echo("next steps:")
    for step in scaffold.next_steps():
        click.echo(f"  {step}")


def _config_in(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--config" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def _plugin_commands(argv: list[str]) -> dict[str, Any]:
    """Load the plugins before click parses, so their register_commands can add subcommands.

    The host is handed on to the command, so plugins load once per run. A
    broken config is left for the command itself to report.
    """
    from .api import PluginSettings
    from .plugins import PluginHost

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
    cli(prog_name="monitor", obj=_plugin_commands(sys.argv[1:]))


if __name__ == "__main__":
    main()
