"""``Monitor``: the one object behind every command, built from the config.

Commands parse their arguments, call one method and print what it returns;
the daemon is ``Monitor.run``. Each method is testable without click.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from ..config import Config, FeedConfig
from ..deliver.channels import send_test
from ..deliver.delivery import Deliverer, DeliveryReport
from ..errors import MonitorError
from ..facts.analysis import Analysis
from ..facts.baseline import BuildResult, baseline_article_path, build_baseline
from ..facts.baseline import stories as all_stories
from ..facts.stories import StoryOverview, story_overview
from ..ingest.articlefile import read_article_file
from ..model import Article, Change
from ..plugins import PluginHost
from ..store import BaselineFact, FactOverview, FeedState, OutboxRow, PruneReport, StatusReport, Store
from ..tools.compare import compare_files
from ..tools.evaluate import CaseResult, EvalReport, evaluate
from ..tools.explain import HitLine, explain_article, explain_case
from ..tools.feedfile import FeedFile, ImportReport, export_opml
from ..tools.inspection import inspect_source
from ..tools.plugin_check import check_plugins
from ..tools.replay import ReplayReport, replay
from ..web import WebServer
from .checks import Problem, run_checks
from .daemon import poll_all, run_daemon
from .poll import PollOutcome
from .retention import prune_now
from .runtime import Runtime

__all__ = ["Monitor"]

log = logging.getLogger(__name__)


class Monitor:
    def __init__(self, config: Config, *, host: PluginHost | None = None):
        self.rt = Runtime(config, host=host)

    @property
    def config(self) -> Config:
        return self.rt.config

    @property
    def store(self) -> Store:
        return self.rt.store

    @property
    def plugins(self) -> PluginHost:
        return self.rt.plugins

    def close(self) -> None:
        self.rt.close()

    # -- the service ---------------------------------------------------------------------

    def run(self, *, instance: str | None = None) -> None:
        """The daemon: poll every feed at its interval until SIGTERM or SIGINT."""
        if instance:
            self.rt.instance = instance
        problems = self.check()
        for problem in problems:
            (log.error if problem.level == "error" else log.warning)("start check: %s", problem.message)
        errors = sum(p.level == "error" for p in problems)
        if errors:
            raise MonitorError(
                f"not starting: {errors} {'error' if errors == 1 else 'errors'} (see 'monitor check')"
            )
        run_daemon(self.rt)

    def prune(self, *, dry_run: bool = False) -> PruneReport:
        """What ``[retention]`` says is old and no longer needed, removed now (or only counted)."""
        return prune_now(self.rt, dry_run=dry_run)

    def check(self) -> list[Problem]:
        """What would fail once running: channels and their secrets, plugins, database, baseline."""
        return run_checks(self.config, self.plugins)

    def poll(
        self, names: Sequence[str] = (), on_outcome: Callable[[PollOutcome], None] | None = None
    ) -> list[PollOutcome]:
        """Every feed (or those named) once now; ``on_outcome`` hears of each as it finishes."""
        return poll_all(self.rt, list(names), on_outcome)

    def feeds(self) -> list[FeedState]:
        self.store.sync_feeds(self.config.feeds)
        return self.store.feed_states()

    # -- the feeds in the config file ------------------------------------------------------

    def add_feed(
        self, url: str, *, name: str | None = None, interval: str | None = None, outlet: str | None = None
    ) -> FeedConfig:
        return FeedFile(self.config.path).add(url, name=name, interval=interval, outlet=outlet)

    def remove_feed(self, name: str) -> None:
        FeedFile(self.config.path).remove(name)

    def import_opml(self, opml: Path, *, interval: str | None = None) -> ImportReport:
        return FeedFile(self.config.path).import_opml(opml, interval=interval)

    def export_opml(self) -> str:
        return export_opml(self.config.feeds)

    def status(self) -> StatusReport:
        return self.store.status_report(alive_within=3 * self.config.service.heartbeat)

    def web_server(self, *, bind: str | None = None, port: int | None = None) -> WebServer:
        """The web interface, bound (default: ``[web] bind`` and ``port``) but not serving yet."""
        web = self.config.web
        return WebServer(self.rt, host=bind or web.bind, port=web.port if port is None else port)

    # -- the story -----------------------------------------------------------------------

    def build_baseline(
        self, article: Path | None = None, *, replace: bool = False, story: str | None = None
    ) -> list[BuildResult]:
        """Build the baseline of ``story`` (or of every story), once unless ``replace``."""
        return build_baseline(self.store, self.plugins, self.config, article, replace=replace, story=story)

    def baseline(self, story: str | None = None) -> list[BaselineFact]:
        if story is None:
            facts = self.store.baseline_facts()
        else:
            found = {s.name: s for s in all_stories(self.plugins, self.config)}
            if story not in found:
                raise MonitorError(f"no story named {story!r}; known: {', '.join(found) or 'none'}")
            facts = self.store.story_baseline_facts(found[story].topics)
        if not facts:
            raise MonitorError("no baseline stored: run 'monitor baseline build'")
        return facts

    def stories(self) -> list[StoryOverview]:
        """Each story: its baseline (built or not, from what, how many facts), facts and last change."""
        return story_overview(self.store, self.plugins, self.config)

    def replay(
        self,
        *,
        story: str | None = None,
        since: datetime | None = None,
        alert: bool = False,
        dry_run: bool = False,
        on_article: Callable[[Article], None] | None = None,
    ) -> ReplayReport:
        """Today's extractors over the stored articles, oldest first; alerts only with ``alert``."""
        return replay(
            self.store,
            self.plugins,
            self.config,
            story=story,
            since=since,
            alert=alert,
            dry_run=dry_run,
            on_article=on_article,
        )

    def count_articles(self, since: datetime | None = None) -> int:
        return self.store.count_articles(since=since)

    def diff(self, files: Sequence[Path]) -> list[Change]:
        return compare_files(self.store, self.plugins, self.config, files)

    def facts(self) -> list[FactOverview]:
        return self.store.facts_overview()

    def changes(self, limit: int) -> list[Change]:
        return self.store.list_changes(limit=limit)

    def evaluate(self, case_dir: Path) -> EvalReport:
        baseline = read_article_file(baseline_article_path(self.config, host=self.plugins))
        return evaluate(case_dir, self.plugins, baseline, timeout=self.config.service.plugin_timeout)

    def explain_case(self, case: CaseResult) -> list[str]:
        """Why each miss and extra of an evaluated case came about (rule-based extractors)."""
        return explain_case(self.plugins, case)

    def explain(self, article: Article) -> list[HitLine]:
        """Every rule that fired on ``article``, kept or dropped, with its cues."""
        return explain_article(self.plugins, article)

    def extract(self, source: str, extractors: Sequence[str] = ()) -> list[Analysis]:
        return inspect_source(
            self.plugins, self.rt.http, self.config.service, source, extractors=list(extractors) or None
        )

    # -- alerts --------------------------------------------------------------------------

    def alerts(self, *, status: str | None, limit: int) -> tuple[list[OutboxRow], dict[str, str]]:
        """Outbox rows, newest first, and the disabled channels with their reasons."""
        return self.store.list_alerts(status=status, limit=limit), self.store.disabled_channels()

    def deliver(self) -> DeliveryReport:
        return Deliverer(self.rt).deliver_due()

    def retry_alert(self, alert_id: str) -> None:
        if not self.store.requeue_alert(alert_id):
            raise MonitorError(f"no dead alert with id {alert_id!r}")

    def enable_channel(self, channel: str) -> None:
        if not self.store.enable_channel(channel):
            raise MonitorError(f"channel {channel!r} is not disabled")

    def test_channel(self, channel: str) -> tuple[bool, str]:
        return send_test(self.config, self.plugins, channel)

    # -- plugins -------------------------------------------------------------------------

    def check_plugins(self) -> list[str]:
        return check_plugins(self.plugins)
