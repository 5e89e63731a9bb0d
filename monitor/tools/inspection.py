"""What each extractor claims from one article: ``monitor extract``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from lxml import html as lxml_html

from ..config import ServiceConfig
from ..errors import FetchError, MonitorError
from ..facts.analysis import Analysis, analyse
from ..ingest.articlefile import read_article_file
from ..ingest.fetch import fetch_feed
from ..ingest.html import html_to_text
from ..ingest.identity import article_id
from ..ingest.parse import parse_feed
from ..model import Article
from ..plugins import PluginHost

__all__ = ["inspect_source"]


def inspect_source(
    host: PluginHost,
    http: requests.Session,
    service: ServiceConfig,
    source: str,
    *,
    extractors: list[str] | None = None,
) -> list[Analysis]:
    """Extract claims from a plain-text file, or from a URL (an article page or a feed)."""
    if extractors:
        unknown = sorted(set(extractors) - set(host.extractors))
        if unknown:
            raise MonitorError(
                f"no extractor named {', '.join(unknown)} (loaded: {', '.join(host.extractors)})"
            )
    if urlsplit(source).scheme in ("http", "https"):
        articles = _articles_from_url(http, service, source)
    else:
        articles = [read_article_file(Path(source))]
    return [analyse(host, a, timeout=service.plugin_timeout, only=extractors or None) for a in articles]


def _articles_from_url(http: requests.Session, service: ServiceConfig, url: str) -> list[Article]:
    fetched = fetch_feed(http, url, service=service)
    body = fetched.body or b""
    now = datetime.now(UTC)
    if "html" not in fetched.headers.get("content-type", "") or body.lstrip()[:5].lower() == b"<?xml":
        try:
            parsed = parse_feed(
                body,
                fetched.headers,
                feed="extract",
                url=fetched.url,
                fetched=now,
                outlet=None,
                max_entries=service.max_entries,
                max_field_chars=service.max_field_chars,
            )
            return parsed.articles
        except FetchError:
            pass
    try:
        document = lxml_html.fromstring(body)
        title = " ".join((document.findtext(".//title") or "").split())
    except Exception:
        title = ""
    text = html_to_text(body.decode("utf-8", errors="replace"))
    if not text:
        raise MonitorError(f"{url}: no text found in the page")
    return [
        Article(
            id=article_id(fetched.url),
            title=title,
            text=text,
            url=fetched.url,
            published=now,
            fetched=now,
            outlet=urlsplit(fetched.url).hostname,
        )
    ]
