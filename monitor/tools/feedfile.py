"""``monitor feeds add|remove|import|export``: edit the ``[[feeds]]`` of monitor.toml in place.

The TOML file stays the one source of truth. Edits go through tomlkit, so
comments, blank lines and the order of everything else are kept; the
edited text is written next to the file and loaded by the same validator
as at start before it replaces the file, so an edit the validator would
refuse never reaches it. OPML (what feed readers import and export) maps
one ``<outline xmlUrl=...>`` to one feed.
"""

from __future__ import annotations

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from tomlkit.items import AoT, Table

from ..config import Config, FeedConfig, load_config
from ..errors import ConfigError, MonitorError

__all__ = ["FeedFile", "ImportReport", "export_opml", "read_opml", "suggest_name"]

_NAME_CHARS = re.compile(r"[^\w.-]+")
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"}


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None


@dataclass(frozen=True)
class ImportReport:
    added: list[FeedConfig]
    skipped: list[tuple[str, str]]  # (url, why)


def suggest_name(url: str, title: str | None = None, taken: Iterable[str] = ()) -> str:
    """A feed name from its title or its URL (``feeds.bbci.co.uk/news/world`` -> ``bbci-news-world``)."""
    if title and title.strip():
        base = title.strip().lower()
    else:
        parts = urlsplit(url)
        hostname = parts.hostname or "feed"
        labels = (
            [hostname.replace(".", "-").replace(":", "-")]
            if re.fullmatch(r"[\d.]+|.*:.*", hostname)
            else hostname.split(".")
        )
        if len(labels) > 1:
            labels.pop()  # the top-level domain
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels.pop()  # co.uk, com.au, ...
        host = labels[-1]
        path = re.sub(r"\.(xml|rss|atom|rdf)$|/(rss|feed|atom)(\.xml)?/?$|/$", "", parts.path)
        base = f"{host}-{path}"
    name = _NAME_CHARS.sub("-", base).strip("-.").lower()[:90] or "feed"
    name = re.sub(r"-{2,}", "-", name)
    taken = set(taken)
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    return candidate


class FeedFile:
    """The feeds of one config file, edited in place and validated before each write."""

    def __init__(self, path: Path | None):
        if path is None:
            raise MonitorError(
                "no config file to edit: the embedded default is in use; "
                "give --config PATH (or create config/monitor.toml)"
            )
        self.path = path
        try:
            self.doc = tomlkit.parse(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError("file not found", path=str(path)) from None
        except Exception as exc:  # tomlkit's parse errors have no common base worth naming
            raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None

    def _feeds(self, create: bool = False) -> AoT | None:
        feeds = self.doc.get("feeds")
        if feeds is None and create:
            feeds = tomlkit.aot()
            self.doc.add(tomlkit.nl())  # a blank line before the first [[feeds]]
            self.doc.append("feeds", feeds)
            feeds = self.doc["feeds"]
        if feeds is not None and not isinstance(feeds, AoT):
            raise ConfigError("must be an array of tables: [[feeds]]", path=str(self.path), key="feeds")
        return feeds

    def names(self) -> list[str]:
        return [str(t.get("name")) for t in self._feeds() or []]

    def urls(self) -> set[str]:
        return {str(t.get("url", "")).strip() for t in self._feeds() or []}

    def add(
        self, url: str, *, name: str | None = None, interval: str | None = None, outlet: str | None = None
    ) -> FeedConfig:
        """Append one ``[[feeds]]`` table and save; refused when the validator refuses it."""
        url = url.strip()
        if url in self.urls():
            raise MonitorError(f"{url} is already a feed in {self.path}")
        self._append(url, name or suggest_name(url, taken=self.names()), interval, outlet)
        config = self.save()
        return config.feeds[-1]

    def _append(self, url: str, name: str, interval: str | None, outlet: str | None) -> None:
        table: Table = tomlkit.table()
        table.add("name", name)
        table.add("url", url)
        if interval:
            table.add("interval", interval)
        if outlet:
            table.add("outlet", outlet)
        table.add(tomlkit.nl())  # a blank line before whatever table follows, as people write them
        feeds = self._feeds(create=True)
        assert feeds is not None
        feeds.append(table)

    def remove(self, name: str) -> None:
        feeds = self._feeds()
        names = self.names()
        if feeds is None or name not in names:
            raise MonitorError(f"no feed named {name!r} in {self.path}")
        del feeds[names.index(name)]
        if not len(feeds):  # an empty array of tables would be written as "feeds = []" at the top
            del self.doc["feeds"]
        self.save()

    def import_opml(self, opml: Path, *, interval: str | None = None) -> ImportReport:
        """Add every feed of an OPML file not yet in the config (by URL); one save for all."""
        added_urls, skipped = [], []
        known = self.urls()
        for feed in read_opml(opml):
            if feed.url in known:
                skipped.append((feed.url, "already a feed"))
                continue
            parts = urlsplit(feed.url)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                skipped.append((feed.url, "only http and https URLs are feeds"))
                continue
            self._append(feed.url, suggest_name(feed.url, feed.title, self.names()), interval, None)
            known.add(feed.url)
            added_urls.append(feed.url)
        config = self.save() if added_urls else None
        added = [f for f in config.feeds if f.url in added_urls] if config else []
        return ImportReport(added, skipped)

    def save(self) -> Config:
        """Validate the edited text as the config it would become, then replace the file with it."""
        text = tomlkit.dumps(self.doc)
        folder = self.path.resolve().parent
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".edit", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            try:
                config = load_config(Path(temp))
            except ConfigError as exc:
                raise ConfigError(
                    f"refused, the file is unchanged: {exc.reason}",
                    path=(exc.path or "").replace(temp, str(self.path)) or str(self.path),
                    key=exc.key,
                ) from None
            if self.path.exists():
                os.chmod(temp, self.path.stat().st_mode & 0o7777)
            os.replace(temp, self.path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return _with_path(config, self.path)


def _with_path(config: Config, path: Path) -> Config:
    values: dict[str, Any] = {f: getattr(config, f) for f in config.__dataclass_fields__}
    values["path"] = path
    return Config(**values)


def read_opml(path: Path) -> list[OpmlFeed]:
    """Every outline with an ``xmlUrl``, nested folders included, in document order."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise MonitorError(f"{path}: file not found") from None
    except ET.ParseError as exc:
        raise MonitorError(f"{path}: not valid OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise MonitorError(f"{path}: not OPML (the root element is <{root.tag}>)")
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            feeds.append(OpmlFeed(url, outline.get("title") or outline.get("text")))
    return feeds


def export_opml(feeds: Iterable[FeedConfig], title: str = "news-monitor feeds") -> str:
    """OPML 2.0 with one ``<outline type="rss">`` per feed."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url)
    ET.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
