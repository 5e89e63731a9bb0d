"""Feed bytes -> ``Article`` objects, via feedparser.

Whatever the bytes, ``parse_feed`` returns a ``ParsedFeed`` or raises
``FetchError`` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import pyexpat
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax import SAXParseException

import feedparser
import lxml.html
from feedparser.encodings import convert_to_utf8

from .errors import FetchError
from .model import Article
from .urls import canonical_url

__all__ = ["ParsedFeed", "article_id", "expat_warning", "html_to_text", "identity_keys", "parse_feed"]

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_OUTLET_CHARS = 200  # the store's outlet column
_KEY_HASH_CHARS = 62  # "g:" + 62 hex digits fits the store's 64-character key column
# Control characters and lone surrogates: not text, and lxml and databases refuse them.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_TAG = re.compile(r"<[^>]*>?")
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "title")
_INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark",
        "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
    }
)  # fmt: skip
_HTML_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, default_doctype=False
)
_HTML_HINT = re.compile(rb"<html[\s>]|<!doctype\s+html|<head[\s>]|<body[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    articles: list[Article]
    warning: str | None
    unstable_ids: bool
    truncated: int


def expat_warning() -> str | None:
    """A startup warning when the XML parser predates expat 2.6.0's security fixes."""
    if pyexpat.version_info >= (2, 6, 0):
        return None
    version = ".".join(map(str, pyexpat.version_info))
    return (
        f"XML parser expat {version} is older than 2.6.0 (CVE-2023-52425 and others); "
        "feeds are parsed with their DOCTYPE removed, but upgrade Python or libexpat"
    )


def article_id(guid_or_url_or_content: str) -> str:
    return hashlib.sha256(guid_or_url_or_content.encode("utf-8", "surrogatepass")).hexdigest()


def identity_keys(article: Article) -> list[str]:
    keys = []
    url = canonical_url(article.url) if article.url else None
    if article.guid:
        keys.append("g:" + article_id(article.guid)[:_KEY_HASH_CHARS])
    if url:
        keys.append("u:" + article_id(url)[:_KEY_HASH_CHARS])
    if not keys:
        keys.append("c:" + article_id(f"{article.title}\n{article.text}")[:_KEY_HASH_CHARS])
    return keys


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or page; scripts and styles dropped; never raises."""
    if not isinstance(html, str):
        return ""
    html = _JUNK.sub("", html)
    if "<" not in html and "&" not in html:
        return _collapse(html)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=_HTML_PARSER)
        for element in list(root.iter(*_DROP_TAGS)):
            element.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag not in _INLINE_TAGS:
                element.text = " " + (element.text or "")
                element.tail = " " + (element.tail or "")
        return _collapse(_JUNK.sub("", root.text_content()))
    except Exception:  # lxml raises on empty or odd documents; a crude strip is better than nothing
        return _collapse(_TAG.sub(" ", html))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _plain(value: str, detail: Mapping[str, Any] | None) -> str:
    if "html" in str((detail or {}).get("type", "")):
        return html_to_text(value)
    return _collapse(_JUNK.sub("", value))


def _short(exc: BaseException) -> str:
    if isinstance(exc, SAXParseException):
        return f"{exc.getMessage()} (line {exc.getLineNumber()})"
    text = str(exc).strip().splitlines()
    return (text[0][:150] if text else "") or type(exc).__name__


# --- XML safety --------------------------------------------------------------

_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)
_DOCTYPE_START = re.compile(rb"\s*<!DOCTYPE", re.IGNORECASE)
_DTD_SPECIAL = re.compile(rb"[\"'\[\]>]|<!--")


def _strip_doctype(data: bytes) -> tuple[bytes, bool]:
    """Remove every DOCTYPE from the prolog of UTF-8 ``data``.

    feedparser's own regex-based DOCTYPE handling can be bypassed (an entity
    value containing ``<x`` hides the internal subset from it), which hands
    entity expansion to expat; so no DOCTYPE reaches expat at all. Returns
    the data and whether an internal subset (entity declarations) was dropped.
    """
    had_subset = False
    while True:
        pos = 0
        while match := _PROLOG_ITEM.match(data, pos):
            pos = match.end()
        if not (match := _DOCTYPE_START.match(data, pos)):
            return data, had_subset
        end, subset = _doctype_end(data, match.end())
        data, had_subset = data[:pos] + data[end:], had_subset or subset


def _doctype_end(data: bytes, pos: int) -> tuple[int, bool]:
    """Where the DOCTYPE that starts before ``pos`` ends; linear even on hostile input."""
    depth, subset = 0, False
    while match := _DTD_SPECIAL.search(data, pos):
        token, pos = match.group(), match.end()
        if token in (b'"', b"'", b"<!--"):
            close = data.find(b"-->" if token == b"<!--" else token, pos)
            if close < 0:
                break
            pos = close + (3 if token == b"<!--" else 1)
        elif token == b"[":
            depth, subset = depth + 1, True
        elif token == b"]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            return pos, subset
    return len(data), subset


def _run_feedparser(body: bytes, headers: Mapping[str, str], url: str) -> tuple[Any, list[str], bytes]:
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    step: dict[str, Any] = {}
    # Decode first (feedparser's own charset rules) so the DOCTYPE can be found in any encoding.
    data = convert_to_utf8({k: v for k, v in lowered.items() if k == "content-type"}, body, step)
    warnings = []
    if isinstance(exc := step.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        warnings.append(f"charset override: {_short(exc)}")
    elif isinstance(exc, feedparser.CharacterEncodingUnknown):
        warnings.append("charset unknown: decoded with replacement characters")
    stripped, had_subset = _strip_doctype(data)
    if had_subset:
        warnings.append("DOCTYPE with entity declarations removed")
    result = feedparser.parse(
        io.BytesIO(stripped),  # never the bytes themselves: feedparser would try them as a file name
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if result.get("bozo") and result.get("bozo_exception") is not None:
        warnings.append(f"parsed with errors: {_short(result['bozo_exception'])}")
    return result, warnings, data


def _no_entries_reason(body: bytes, headers: Mapping[str, str], result: Any, data: bytes) -> str:
    content_type = next((str(v).lower() for k, v in headers.items() if str(k).lower() == "content-type"), "")
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"[") or "json" in content_type:
        return "not a feed: JSON"
    if "html" in content_type or (not result.get("version") and _HTML_HINT.search(data[:65536])):
        return "not a feed: looks like an HTML page"
    if result.get("bozo"):
        return f"not a feed: no entries ({_short(result['bozo_exception'])})"
    if not result.get("version"):
        return "not a feed: no entries (no RSS, Atom or RDF root element)"
    return "feed has no entries"


# --- entries -> articles -----------------------------------------------------


@dataclass(frozen=True)
class _Item:
    title: str
    text: str
    url: str | None
    guid: str | None
    published: datetime


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _entry_time(entry: Mapping[str, Any], fetched: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        try:
            moment = datetime(*entry[key][:6], tzinfo=UTC)
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if _EARLIEST <= moment <= fetched + timedelta(days=1):
            return moment
    return None


def _entry_text(entry: Mapping[str, Any]) -> str:
    candidates = [entry.get("summary", "")]
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        candidates.append(content[0].get("value", ""))
    return max((html_to_text(c) for c in candidates if isinstance(c, str)), key=len, default="")


def _item(entry: Mapping[str, Any], when: datetime | None, fetched: datetime, base: str, cap: int) -> _Item:
    title = entry.get("title")
    title = _plain(title, entry.get("title_detail")) if isinstance(title, str) else ""
    link = entry.get("link")
    url = canonical_url(link, base) if isinstance(link, str) else None
    guid = entry.get("id")
    guid = _JUNK.sub("", guid).strip()[:cap] if isinstance(guid, str) else ""
    return _Item(
        title=title[:cap],
        text=_entry_text(entry)[:cap],
        url=url if url and len(url) <= cap else None,
        guid=guid or None,
        published=when or fetched,
    )


def _make_distinct(items: list[_Item]) -> tuple[list[_Item], bool]:
    """Collapse exact repeats; drop a guid or link shared by different items.

    A guid or link that several different items carry identifies none of
    them: keeping it would make the dedup step drop all but one of them now
    and every new one later. The items then fall back to their other
    identity (link, guid, or title and text).
    """
    first: dict[tuple[str | None, ...], _Item] = {}
    for i in items:
        first.setdefault((i.guid, None, i.title, i.text) if i.guid else (None, i.url, i.title, i.text), i)
    unique = list(first.values())
    guids = Counter(i.guid for i in unique if i.guid)
    urls = Counter(i.url for i in unique if i.url)
    shared_guids = {g for g, n in guids.items() if n > 1}
    shared_urls = {u for u, n in urls.items() if n > 1}
    if not (shared_guids or shared_urls):
        return unique, False
    fixed = [
        replace(
            i,
            guid=None if i.guid in shared_guids else i.guid,
            url=None if i.url in shared_urls else i.url,
        )
        for i in unique
    ]
    return fixed, True


def _articles(items: list[_Item], *, feed: str, outlet: str | None, fetched: datetime) -> list[Article]:
    articles: dict[str, Article] = {}
    for item in items:
        content = f"{item.title}\n{item.text}"
        ident = article_id(item.guid or item.url or content)
        if ident in articles and (articles[ident].title, articles[ident].text) != (item.title, item.text):
            ident = article_id(f"{ident}\n{content}")  # one item's guid is another's link: rare
        if ident in articles:
            continue  # nothing tells the two apart: a duplicate
        articles[ident] = Article(
            id=ident,
            title=item.title,
            text=item.text,
            url=item.url,
            guid=item.guid,
            published=item.published,
            fetched=fetched,
            feed=feed,
            outlet=outlet,
        )
    return list(articles.values())


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    *,
    feed: str,
    url: str,
    fetched: datetime,
    outlet: str | None,
    max_entries: int,
    max_field_chars: int,
) -> ParsedFeed:
    if not body or not body.lstrip(b"\xef\xbb\xbf").strip():
        raise FetchError("not a feed: empty body")
    try:
        result, warnings, data = _run_feedparser(body, headers, url)
    except Exception as exc:  # feedparser has crash inputs (bad char refs, bad entities)
        raise FetchError(f"parse error: {type(exc).__name__}: {_short(exc)}") from None
    entries = [e for e in result.get("entries", []) if isinstance(e, Mapping)]
    if not entries:
        raise FetchError(_no_entries_reason(body, headers, result, data))
    try:
        return _build(
            result, entries, warnings, feed, url, _aware(fetched), outlet, max_entries, max_field_chars
        )
    except Exception as exc:  # a bug here must not escape as anything but a feed error
        raise FetchError(f"parse error: {type(exc).__name__}: {_short(exc)}") from None


def _build(
    result: Any,
    entries: list[Mapping[str, Any]],
    warnings: list[str],
    feed: str,
    url: str,
    fetched: datetime,
    outlet: str | None,
    max_entries: int,
    cap: int,
) -> ParsedFeed:
    meta = result.get("feed") or {}
    title = (
        _plain(meta["title"], meta.get("title_detail"))[:cap] if isinstance(meta.get("title"), str) else ""
    )
    times = [_entry_time(entry, fetched) for entry in entries]
    # Keep the newest entries (document order among equals): a feed listed oldest first still shows new items.
    keep = sorted(
        heapq.nlargest(max(max_entries, 0), range(len(entries)), key=lambda i: times[i] or _EARLIEST)
    )
    items = [_item(entries[i], times[i], fetched, url, cap) for i in keep]
    items, unstable = _make_distinct(items)
    outlet = (outlet or title)[: min(cap, _OUTLET_CHARS)] or None
    return ParsedFeed(
        title=title or None,
        articles=_articles(items, feed=feed, outlet=outlet, fetched=fetched),
        warning="; ".join(warnings) or None,
        unstable_ids=unstable,
        truncated=len(entries) - len(keep),
    )
