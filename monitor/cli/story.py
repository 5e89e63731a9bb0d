"""The stories: stories, baseline, diff, facts, changes, eval, extract."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from ..service.core import Monitor
from ..tools.evaluate import EvalReport
from .base import cli, show, with_monitor


@cli.group()
def baseline() -> None:
    """Build or show the baseline: the facts of the baseline article."""


@baseline.command("build")
@click.argument("article", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--story", "story", metavar="NAME", help="Only this story (default: every story).")
@click.option("--replace", is_flag=True, help="Replace a stored baseline.")
@with_monitor
def baseline_build(app: Monitor, article: Path | None, story: str | None, replace: bool) -> None:
    """Build each story's baseline from ARTICLE (default: the story's own, or [baseline]) once."""
    for result in app.build_baseline(article, replace=replace, story=story):
        if not result.created:
            click.echo(
                f"{result.story}: baseline already stored ({len(result.facts)} facts from {result.source}); "
                "nothing changed - use --replace to rebuild it"
            )
        elif result.mode == "learning":
            until = result.learning_until.strftime("%Y-%m-%d %H:%M UTC") if result.learning_until else "?"
            click.echo(f"{result.story}: no baseline article; learning its baseline until {until}")
        else:
            click.echo(f"{result.story}: baseline stored: {len(result.facts)} facts from {result.source}")


@baseline.command("show")
@click.option("--story", "story", metavar="NAME", help="Only this story's facts.")
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def baselineshow(app: Monitor, story: str | None, as_json: bool) -> None:
    """Print the stored baseline (of every story, or of one)."""
    facts = app.baseline(story)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "key": f.key,
                        "kind": f.kind,
                        "value": f.value,
                        "evidence": f.evidence,
                        "extractor": f.extractor,
                        "confidence": f.confidence,
                    }
                    for f in facts
                ],
                indent=1,
                ensure_ascii=False,
            )
        )
        return
    for f in facts:
        click.echo(f"{f.key:<40} {show(f.value):<36} {f.evidence[:80]}")


@cli.command("stories")
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def stories_command(app: Monitor, as_json: bool) -> None:
    """Each story: its baseline (built or not, from what, how many facts), its facts, its last change."""
    found = app.stories()
    if as_json:
        click.echo(json.dumps([s.as_json() for s in found], indent=1, ensure_ascii=False))
        return
    if not found:
        click.echo("no story is registered: no plugin follows one")
    for s in found:
        last = f"{s.last_change[0]:%Y-%m-%d %H:%M} {s.last_change[1]}" if s.last_change else "none"
        click.echo(f"{s.name}  {s.title}  [plugin {s.plugin}]")
        click.echo(f"  baseline:    {s.baseline_state()}")
        click.echo(f"  facts:       {len(s.facts)} ({', '.join(s.facts)})")
        click.echo(f"  last change: {last}")


@cli.command()
@click.option("--story", "story", metavar="NAME", help="Only this story's extractors and facts.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="Articles published since (UTC)."
)
@click.option("--alert", is_flag=True, help="Alert the changes found (old news is not alerted otherwise).")
@click.option("--dry-run", is_flag=True, help="Print what would change; store nothing.")
@with_monitor
def replay(app: Monitor, story: str | None, since: datetime | None, alert: bool, dry_run: bool) -> None:
    """Run today's extractors over the stored articles, oldest first, and record what they find now."""
    since = since.replace(tzinfo=UTC) if since else None
    if sys.stdout.isatty():
        with click.progressbar(length=app.count_articles(since), label="replaying", file=sys.stderr) as bar:
            report = app.replay(
                story=story, since=since, alert=alert, dry_run=dry_run, on_article=lambda _: bar.update(1)
            )
    else:
        report = app.replay(story=story, since=since, alert=alert, dry_run=dry_run)
    for change in report.changes:
        click.echo(
            f"{'would ' if dry_run else ''}{change.change:<8} {change.key}: {show(change.new)}  [{change.extractor}]"
        )
    alerted = ", alerted" if report.alerted else ", not alerted"
    click.echo(
        f"{report.articles} articles, {report.claims} claims, {len(report.changes)} changes"
        + (" (dry run: nothing stored)" if dry_run else alerted)
    )


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change (the documented format).")
@with_monitor
def diff(app: Monitor, files: tuple[Path, ...], as_json: bool) -> None:
    """Compare article FILES with what is known, in order, storing nothing."""
    for change in app.diff(files):
        if as_json:
            click.echo(json.dumps(change.as_json(), ensure_ascii=False))
        else:
            arrow = (
                f"{show(change.old)} -> {show(change.new)}"
                if change.change == "changed"
                else show(change.new)
            )
            click.echo(
                f"{change.change:<8} {change.key}: {arrow}  [{change.extractor}] {change.evidence[:100]}"
            )


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def facts(app: Monitor, as_json: bool) -> None:
    """Every key: baseline value, current value, when and where it last changed."""
    for row in app.facts():
        if as_json:
            click.echo(json.dumps(row.__dict__, default=str, ensure_ascii=False))
            continue
        when = row.changed_at.strftime("%Y-%m-%d %H:%M") if row.changed_at else "baseline"
        click.echo(
            f"{row.key:<40} {show(row.baseline):<28} now {show(row.current):<28} {when}  {row.source or ''}"
        )


@cli.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def changes(app: Monitor, limit: int, as_json: bool) -> None:
    """The timeline of changes, newest first."""
    for c in app.changes(limit):
        if as_json:
            click.echo(
                json.dumps(c.as_json() | {"id": c.id, "detected": str(c.detected)}, ensure_ascii=False)
            )
            continue
        when = c.detected.strftime("%Y-%m-%d %H:%M") if c.detected else ""
        old = f"{show(c.old)} -> " if c.change == "changed" else ""
        click.echo(f"{when} #{c.id} {c.change:<8} {c.key}: {old}{show(c.new)}  {c.evidence[:90]}")


@cli.command("eval")
@click.argument("case_dirs", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True)
@click.option("--verbose", "-v", is_flag=True, help="Show each miss and each extra change.")
@click.option(
    "--explain",
    is_flag=True,
    help="For each miss and extra: the sentence, the rules that fired, what blocked them.",
)
@with_monitor
def eval_command(
    app: Monitor, case_dirs: tuple[Path, ...], as_json: bool, verbose: bool, explain: bool
) -> None:
    """Precision, recall and F1 of the extractors on labelled cases, per folder (CASE_DIR...) and per key."""
    reports = [app.evaluate(d) for d in case_dirs]
    if as_json:
        for report in reports:
            click.echo(json.dumps(report.as_json(), indent=1, ensure_ascii=False))
        return
    for report in reports:
        if verbose or explain:
            _show_failures(app, report, explain)
    total = EvalReport.combined(reports)
    _show_keys(total)
    for report in [*reports, total] if len(reports) > 1 else reports:
        click.echo(
            f"{report.folder}: cases {len(report.cases)}  precision {report.precision:.3f}  "
            f"recall {report.recall:.3f}  F1 {report.f1:.3f}  false alerts {report.false_alerts}"
        )


def _show_failures(app: Monitor, report: EvalReport, explain: bool) -> None:
    for case in report.cases:
        if explain:
            for line in app.explain_case(case):
                click.echo(line)
            continue
        for miss in case.missed:
            click.echo(f"{case.name}: missed {miss['key']} {miss['change']} {show(miss['new'])}")
        for extra in case.extra:
            click.echo(
                f"{case.name}: extra  {extra['key']} {extra['change']} {show(extra['new'])}"
                f"  <- {extra['evidence'][:90]}"
            )


def _show_keys(report: EvalReport) -> None:
    scores = report.by_key()
    if not scores:
        return
    width = max(len(k.key) for k in scores)
    click.echo(f"{'key':<{width}}  expected  predicted  matched  precision  recall     F1")
    for k in scores:
        click.echo(
            f"{k.key:<{width}}  {k.expected:>8}  {k.predicted:>9}  {k.matched:>7}  {k.precision:>9.3f}"
            f"  {k.recall:>6.3f}  {k.f1:>5.3f}"
        )


@cli.command()
@click.argument("source")
@click.option("--extractor", "extractors", multiple=True, help="Only this extractor (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim.")
@click.option("--explain", is_flag=True, help="Every rule that fired, kept or dropped, with its cues.")
@with_monitor
def extract(app: Monitor, source: str, extractors: tuple[str, ...], as_json: bool, explain: bool) -> None:
    """Show what each extractor claims from one article: a text FILE or a URL."""
    for analysis in app.extract(source, extractors):
        article = analysis.article
        if explain:
            for hit in app.explain(article):
                if not extractors or hit.extractor in extractors:
                    for line in hit.lines():
                        click.echo(line)
        if not as_json:
            click.echo(f"# {article.title or article.id}" + (f"  <{article.url}>" if article.url else ""))
        for claim in analysis.claims:
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "key": claim.key,
                            "value": claim.value,
                            "evidence": claim.evidence,
                            "extractor": claim.extractor,
                            "confidence": claim.confidence,
                            "article": article.url or article.id,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                click.echo(
                    f"{claim.key:<40} {show(claim.value):<24} {claim.confidence:.2f} [{claim.extractor}]"
                )
                click.echo(f"    {claim.evidence}")
        for name in analysis.failed:
            click.echo(f"extractor {name!r} failed on this article (see the log)", err=True)
        if not analysis.claims and not as_json:
            click.echo("no claims")
