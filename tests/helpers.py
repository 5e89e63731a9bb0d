"""Small builders for the service's own tests."""

from __future__ import annotations

from email.utils import format_datetime
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path


def rss(items: list[dict[str, str]], title: str = "Test News") -> bytes:
    """An RSS 2.0 document; each item dict may have title, link, guid, description, pubDate."""
    parts = [f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
             "<link>https://news.example.org/</link><description>test</description>"]
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def item(n: int, text: str = "", *, title: str | None = None, when: datetime | None = None) -> dict[str, str]:
    when = when or datetime(2025, 9, 5, tzinfo=UTC) + timedelta(minutes=n)
    return {
        "title": title or f"Story number {n}",
        "link": f"https://news.example.org/story/{n}?utm_source=rss",
        "guid": f"https://news.example.org/story/{n}",
        "description": text or f"<p>Body of story {n}.</p>",
        "pubDate": format_datetime(when),
    }


def write_config(
    folder: Path, feeds: dict[str, str], extra: str = "", interval: str = "1m", database_url: str | None = None
) -> Path:
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{folder / 'state' / 'monitor.db'}"
    body = [f'[database]\nurl = "{url}"\n', extra]
    for name, url in feeds.items():
        body.append(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\ninterval = "{interval}"\n')
    path = config / "monitor.toml"
    path.write_text("\n".join(body))
    return path
