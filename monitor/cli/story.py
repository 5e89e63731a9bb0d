"""The story: baseline, diff, facts, changes, eval, extract."""

from __future__ import annotations

import json
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
@click.option("--replace", is_flag=True, help="Replace a stored baseline.")
@with_monitor
def baseline_build(app: Monitor, article: Path | None, replace: bool) -> None:
    """Extract the baseline from ARTICLE (default: the config's) and store it once."""
    result = app.build_baseline(article, replace=replace)
    if not result.created:
        click.echo(
            f"baseline already stored ({len(result.facts)} facts from {result.source}); "
            "nothing changed - use --replace to rebuild it"
        )
        return
    click.echo(f"baseline stored: {len(result.facts)} facts from {result.source}")


@baseline.command("show")
@click.option("--json", "as_json", is_flag=True)
@with_monitor
def baselineshow(app: Monitor, as_json: bool) -> None:
    """Print the stored baseline."""
    facts = app.baseline()
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
