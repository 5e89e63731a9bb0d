"""A throw-away project to run the real pipeline end to end: feeds, config, store, a recording channel."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from ..api import Notifier, PluginSettings
from ..config import load_config
from ..deliver.delivery import Deliverer
from ..hookspecs import hookimpl
from ..model import Alert, Change
from ..plugins import PluginHost
from ..service.daemon import poll_all
from ..service.runtime import Runtime
from .peers import LocalServer, RecordingNotifier

# -- feeds and whole-pipeline runs -----------------------------------------------


def feed_item(
    n: int, text: str = "", *, title: str | None = None, when: datetime | None = None, link: str | None = None
) -> dict[str, str]:
    """One RSS item: stable guid and link from ``n``, a publication time, an HTML description."""
    when = when or datetime(2025, 9, 5, tzinfo=UTC) + timedelta(minutes=n)
    return {
        "title": title or f"Story number {n}",
        "link": link or f"https://news.example.org/story/{n}?utm_source=rss",
        "guid": f"https://news.example.org/story/{n}",
        "description": text or f"<p>Body of story {n}.</p>",
        "pubDate": format_datetime(when),
    }


def make_feed(items: Sequence[dict[str, str]], title: str = "Test News") -> bytes:
    """An RSS 2.0 document of ``items`` (see ``feed_item``)."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        "<link>https://news.example.org/</link><description>test</description>"
    ]
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


class MonitorProject:
    """A throw-away project folder with its config, store and feeds, to run the real pipeline.

    Feeds are served by a ``LocalServer``; plugins are the installed ones
    (entry points) plus ``plugins`` given here; alerts go to a recording
    channel named "test" unless ``channels`` says otherwise.
    """

    def __init__(
        self,
        folder: Path,
        server: LocalServer,
        *,
        plugins: Sequence[object] = (),
        entry_points: bool = True,
        extra_config: str = "",
        baseline: Path | None = None,
    ):
        self.folder, self.server = folder, server
        self.plugins, self.entry_points, self.extra_config = list(plugins), entry_points, extra_config
        self.baseline = baseline
        self.feeds: dict[str, str] = {}
        self.recorder = RecordingNotifier("test")
        self._runtime: Runtime | None = None

    def add_feed(self, name: str, items: Sequence[dict[str, str]], *, title: str = "Test News") -> str:
        """Serve a feed (again, with new items, if it exists) and add it to the config."""
        self.feeds[name] = self.server.serve(f"/feeds/{name}.xml", make_feed(items, title=title))
        self._reset()
        return self.feeds[name]

    @property
    def config_path(self) -> Path:
        config = self.folder / "config"
        config.mkdir(parents=True, exist_ok=True)
        lines = [f'[database]\nurl = "sqlite:///{self.folder / "state" / "monitor.db"}"\n']
        if self.baseline:
            lines.append(f'[baseline]\narticle = "{self.baseline}"\n')
        lines.append('[[channels]]\nname = "test"\ntype = "recording"\n')
        lines.append(self.extra_config)
        for name, url in self.feeds.items():
            lines.append(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\ninterval = "1h"\n')
        path = config / "monitor.toml"
        path.write_text("\n".join(lines))
        return path

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            config = load_config(self.config_path)
            host = PluginHost(
                config.plugin_dirs,
                entry_points=self.entry_points,
                settings=PluginSettings(config.root, config.plugin_options),
            )
            host.register(_RecordingPlugin(), "monitor-testing")
            for index, plugin in enumerate(self.plugins):
                host.register(plugin, getattr(plugin, "__name__", f"test-plugin-{index}"))
            self._runtime = Runtime(config, host=host)
        return self._runtime

    def _reset(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    def poll(self) -> list[Any]:
        """One pass over every feed, as ``monitor poll`` does; returns the PollOutcomes."""
        return poll_all(self.runtime)

    def deliver(self) -> list[Alert]:
        """Deliver due alerts to the recording channel; returns the alerts sent by this call."""
        before = len(self.recorder.sent)
        Deliverer(self.runtime, {"test": self.recorder}).deliver_due()
        return self.recorder.sent[before:]

    def changes(self) -> list[Change]:
        return list(reversed(self.runtime.store.list_changes(limit=10_000)))

    def close(self) -> None:
        self._reset()


class _RecordingPlugin:
    @hookimpl
    def register_notifiers(self, register: Callable[[type[Notifier]], None]) -> None:
        register(RecordingNotifier)


@pytest.fixture
def monitor_project(tmp_path: Path, feed_server: LocalServer) -> Iterator[MonitorProject]:
    """A project in tmp_path whose feeds are served by ``feed_server``; see ``MonitorProject``."""
    project = MonitorProject(tmp_path / "project", feed_server)
    try:
        yield project
    finally:
        project.close()
