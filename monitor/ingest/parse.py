"""Feed bytes -> ``Article`` objects, via feedparser.

Whatever the bytes, ``parse_feed`` returns a ``ParsedFeed`` or raises
``FetchError`` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import heapq
import io
import pyexpat
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.sax import SAXParseException

import feedparser
from feedparser.datetimes.rfc822 import timezone_names
from feedparser.encodings import convert_to_utf8

from ..errors import FetchError
from ..model import Article
from .html import JUNK, collapse, html_to_text
from .identity import article_id, guid_identity
from .urls import canonical_url

__all__ = ["ParsedFeed", "expat_warning", "parse_feed"]

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_OUTLET_CHARS = 200  # the store's outlet column
# An HTML page: its first element (after any declaration and comments) is html, head or body.
_HTML_ROOT = re.compile(rb"\s*<(?:!doctype\s+html|(?:html|head|body)[\s>])", re.IGNORECASE)
_ZONE = re.compile(r"[+-](\d\d):?(\d\d)\s*$|\b([A-Za-z]{1,5})\s*$")
_ZONE_NAMES = {*timezone_names, "utc"}
_NEW_DECL = b"<?xml version='1.0' encoding='utf-8'?>\n"  # what convert_to_utf8 adds when there is none
_NON_ASCII = re.compile(r"[^\x00-\x7f\ufffd]")
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)
_DOCTYPE_START = re.compile(rb"\s*<!DOCTYPE", re.IGNORECASE)
_DTD_SPECIAL = re.compile(rb"[\"'\[\]>]|<!--")


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


def _plain(value: Any, detail: Mapping[str, Any] | None) -> str:
    """Text of a title: HTML only when feedparser says it is HTML."""
    if not isinstance(value, str):
        return ""
    is_html = "html" in str((detail or {}).get("type", ""))
    return html_to_text(value) if is_html else collapse(JUNK.sub("", value))


def _short(exc: BaseException) -> str:
    if isinstance(exc, SAXParseException):
        return f"{exc.getMessage()} (line {exc.getLineNumber()})"
    lines = str(exc).strip().splitlines()
    return (lines[0][:150] if lines else "") or type(exc).__name__


# --- bytes -> feedparser result ------------------------------------------------------------------


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
    except Exception as exc:  # feedparser has crash inputs (bad character references, bad entities)
        raise FetchError(f"parse error: {type(exc).__name__}: {_short(exc)}") from None
    entries = [e for e in result.get("entries", []) if isinstance(e, dict)]
    if not entries:
        raise FetchError(_no_entries_reason(body, headers, result, data))
    try:
        fetched = fetched.replace(tzinfo=UTC) if fetched.tzinfo is None else fetched.astimezone(UTC)
        parsed = _build(result, entries, url, fetched, max_entries, max_field_chars)
    except Exception as exc:  # a bug here must still reach the caller as a feed error
        raise FetchError(f"parse error: {type(exc).__name__}: {_short(exc)}") from None
    title, items, unstable, truncated = parsed
    if not items:
        raise FetchError("feed has no entries with a title, text or link")
    outlet = (outlet or title)[: min(max_field_chars, _OUTLET_CHARS)] or None
    return ParsedFeed(
        title=title or None,
        articles=_articles(items, feed=feed, outlet=outlet, fetched=fetched),
        warning="; ".join(warnings) or None,
        unstable_ids=unstable,
        truncated=truncated,
    )


def _run_feedparser(body: bytes, headers: Mapping[str, str], url: str) -> tuple[Any, list[str], bytes]:
    if (stripped := body.lstrip()).startswith(b"<?xml"):
        body = stripped  # blank lines before the XML declaration are a common server bug
    content_type = {k.lower(): str(v) for k, v in headers.items() if str(k).lower() == "content-type"}
    data, warnings = _decode(body, content_type)
    safe, had_subset = _strip_doctype(data)
    if had_subset:
        warnings.append("DOCTYPE with entity declarations removed")
    result = feedparser.parse(
        io.BytesIO(safe),  # never the bytes themselves: feedparser would try them as a file name
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if result.get("bozo") and result.get("bozo_exception") is not None:
        warnings.append(f"parsed with errors: {_short(result['bozo_exception'])}")
    return result, warnings, data


def _decode(body: bytes, content_type: dict[str, str]) -> tuple[bytes, list[str]]:
    """The document as UTF-8, by feedparser's charset rules, so the DOCTYPE is found in any encoding."""
    step: dict[str, Any] = {}
    data = convert_to_utf8(content_type, body, step)
    exc = step.get("bozo_exception")
    if data.startswith(_NEW_DECL) and not _declared(body, step.get("encoding")):
        data = data[: len(_NEW_DECL) - 1] + data[len(_NEW_DECL) :]  # keeps error line numbers right
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        # feedparser reads a UTF-8 document with one bad byte as windows-1252, garbling every
        # other non-ASCII character; when most non-ASCII bytes are valid UTF-8, replace the bad ones.
        text = body.decode("utf-8-sig", "replace")
        bad = text.count("\ufffd")
        if bad and len(_NON_ASCII.findall(text)) >= bad:
            return text.encode("utf-8"), [f"charset: {bad} invalid UTF-8 sequences replaced"]
        return data, [f"charset override: {_short(exc)}"]
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return data, ["charset unknown"]
    return data, []


def _declared(body: bytes, encoding: str | None) -> bool:
    try:
        return body[:64].decode(encoding or "utf-8", "replace").lstrip("\ufeff").startswith("<?xml")
    except LookupError:
        return True


def _strip_doctype(data: bytes) -> tuple[bytes, bool]:
    """Remove every DOCTYPE from the prolog of UTF-8 ``data``.

    feedparser's own regex-based DOCTYPE handling can be bypassed (an entity
    value containing ``<x`` hides the internal subset from it), which hands
    entity expansion to expat: so no DOCTYPE reaches expat at all. Returns
    the data and whether an internal subset (entity declarations) was dropped.
    """
    kept, pos, had_subset = [], 0, False
    while match := _DOCTYPE_START.match(data, start := _prolog_end(data, pos)):
        end, subset = _doctype_end(data, match.end())
        kept.append(data[pos:start])
        pos, had_subset = end, had_subset or subset
    return (b"".join(kept) + data[pos:], had_subset) if kept else (data, False)


def _prolog_end(data: bytes, pos: int = 0) -> int:
    """Where the declaration, comments and processing instructions before the DOCTYPE or root end."""
    while match := _PROLOG_ITEM.match(data, pos):  # one item per match: linear, no backtracking
        pos = match.end()
    return pos


def _doctype_end(data: bytes, pos: int) -> tuple[int, bool]:
    """Where the DOCTYPE being read at ``pos`` ends; linear even on hostile input."""
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


def _no_entries_reason(body: bytes, headers: Mapping[str, str], result: Any, data: bytes) -> str:
    content_type = " ".join(str(v).lower() for k, v in headers.items() if str(k).lower() == "content-type")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "not a feed: JSON"
    if "html" in content_type or (not result.get("version") and _HTML_ROOT.match(data, _prolog_end(data))):
        return "not a feed: looks like an HTML page"
    if result.get("bozo") and result.get("bozo_exception") is not None:
        return f"not a feed: no entries ({_short(result['bozo_exception'])})"
    if not result.get("version"):
        return "not a feed: no entries (no RSS, Atom or RDF root element)"
    return "feed has no entries"


# --- entries -> articles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    title: str
    text: str
    url: str | None
    guid: str | None
    published: datetime
    anchored: str | None = None  # the url with its #fragment


def _build(
    result: Any, entries: list[dict[str, Any]], url: str, fetched: datetime, max_entries: int, cap: int
) -> tuple[str, list[_Item], bool, int]:
    meta = result.get("feed") or {}
    title = _plain(meta.get("title"), meta.get("title_detail"))[:cap]
    times = [_entry_time(entry, fetched) for entry in entries]
    # The newest entries (document order among equals): a feed listed oldest first still shows new items.
    keep = sorted(
        heapq.nlargest(max(max_entries, 0), range(len(entries)), key=lambda i: times[i] or _EARLIEST)
    )
    site = {canonical_url(url), canonical_url(meta.get("link") or "", url)}
    items = [_item(entries[i], times[i] or fetched, url, site, cap) for i in keep]
    items, unstable = _make_distinct([i for i in items if i.title or i.text or i.url])
    return title, items, unstable, len(entries) - len(keep)


def _entry_time(entry: dict[str, Any], fetched: datetime) -> datetime | None:
    for key in ("published", "updated", "created"):
        if _bad_zone(dict.get(entry, key)):  # dict.get: no feedparser fallback from one key to another
            continue
        parsed: Any = dict.get(entry, f"{key}_parsed")
        try:
            moment = datetime(*parsed[:6]).replace(tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
        if _EARLIEST <= moment <= fetched + timedelta(days=1):
            return moment
    return None


def _bad_zone(raw: Any) -> bool:
    """An offset beyond +-14:59 or a zone name feedparser would silently read as UTC."""
    if not isinstance(raw, str) or not (match := _ZONE.search(raw[-40:])):
        return False
    if match.group(3):
        return match.group(3).lower() not in _ZONE_NAMES
    return int(match.group(1)) > 14 or int(match.group(2)) > 59


def _item(entry: Mapping[str, Any], published: datetime, base: str, site: set[str | None], cap: int) -> _Item:
    texts = [entry.get("summary")]
    if isinstance(content := entry.get("content"), list) and content and isinstance(content[0], Mapping):
        texts.append(content[0].get("value"))
    text = max((html_to_text(t) for t in texts if isinstance(t, str)), key=len, default="")
    link = entry.get("link")
    url = canonical_url(link, base) if isinstance(link, str) else None
    if url in site or (url and urlsplit(url).path in ("", "/") and not urlsplit(url).query):
        url = None  # the site's home page or the feed itself: not this item's address
    anchored = canonical_url(link, base, keep_fragment=True) if url and isinstance(link, str) else None
    guid = JUNK.sub("", guid).strip()[:cap] if isinstance(guid := entry.get("id"), str) else ""
    return _Item(
        title=_plain(entry.get("title"), entry.get("title_detail"))[:cap],
        text=text[:cap],
        url=url if url and len(url) <= cap else None,
        guid=guid or None,
        published=published,
        anchored=anchored if anchored and len(anchored) <= cap else None,
    )


def _make_distinct(items: list[_Item]) -> tuple[list[_Item], bool]:
    """Decide which items are one article, and which guids and links identify one.

    Exact repeats collapse silently. A guid or link that most items carry
    (every item links to the home page) identifies none of them and is
    dropped. Items whose links differ only by #fragment keep the fragment
    (posts as anchors on a day page). Items sharing a link and a title or a
    text are one article listed twice (BBC repeats stories under new guids);
    a later, different item with the same link loses the link, and a guid
    shared by different items is dropped, so no item is lost and no key is
    shared. All but the first case mark the feed's ids unstable.
    """
    first: dict[tuple[str | None, ...], _Item] = {}
    for i in items:
        first.setdefault((i.guid, None, i.title, i.text) if i.guid else (None, i.url, i.title, i.text), i)
    anchors: Counter[str | None] = Counter(
        url for url, _ in {(i.url, i.anchored) for i in first.values() if i.url}
    )
    items = [replace(i, url=i.anchored) if anchors[i.url] > 1 else i for i in first.values()]
    common_urls, common_guids = _common(i.url for i in items), _common(i.guid for i in items)
    unstable, kept, owner = bool(common_urls or common_guids), list[_Item](), dict[str, int]()
    for item in items:
        url = None if item.url in common_urls else item.url
        item = replace(item, url=url, guid=None if item.guid in common_guids else item.guid)
        if item.url in owner:
            unstable, same = True, kept[owner[item.url]]
            if (item.title and item.title == same.title) or (item.text and item.text == same.text):
                kept[owner[item.url]] = max(same, item, key=lambda i: len(i.text))
                continue
            item = replace(item, url=None)
        if item.url:
            owner[item.url] = len(kept)
        kept.append(item)
    shared = {g for g, n in Counter(i.guid for i in kept if i.guid).items() if n > 1}
    return [replace(i, guid=None) if i.guid in shared else i for i in kept], unstable or bool(shared)


def _common(values: Iterable[str | None]) -> set[str]:
    """Values every item carries (two or more), or most items (three or more)."""
    counts = Counter(values)
    total = counts.total()
    return {v for v, n in counts.items() if v and (n == total > 1 or (n > 2 and 2 * n > total))}


def _articles(items: list[_Item], *, feed: str, outlet: str | None, fetched: datetime) -> list[Article]:
    articles: dict[str, Article] = {}
    for item in items:
        content = f"{item.title}\n{item.text}"
        ident = article_id(guid_identity(item.guid, feed) if item.guid else item.url or content)
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
