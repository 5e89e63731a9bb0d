"""How an alert reads, shared by every notifier.

Part of the public surface for plugin authors: a notifier turns an
``Alert`` into its channel's form with these functions, so every channel
says the same thing about a change:

- the fact in words (``Change.label``, falling back to the key), the old and
  the new value, the baseline value, the direction on ordered values;
- the evidence sentence, the article's title, outlet, link and publication
  time, and how many independent outlets now report the fact.

``subject`` (one line), ``summary`` (short, for chat), ``plain_text``,
``html`` (every piece of article text escaped, only http(s) links live) and
``payload`` (the versioned JSON document webhooks send) build the forms.
(``monitor.redact`` keeps tokens out of errors and logs.)

The JSON payload, version 1::

    {"version": 1, "type": "monitor.changes", "id": "alert_...", "test": false,
     "changes": [{"key": "coalition.coalition.troop_pledges",
                  "label": "Coalition: countries pledging troops",
                  "change": "changed", "old": 26, "new": 27, "baseline": 26,
                  "direction": null, "evidence": "27 countries have pledged ...",
                  "extractor": "coalition", "confidence": 0.9, "outlets": 3,
                  "article": {"title": "...", "outlet": "...", "url": "https://...",
                              "published": "2025-11-04T10:00:00+00:00"}}]}

``change`` is ``new``, ``changed``, ``event`` or ``disputed``; values keep
their JSON type (int, string, sorted list, object, or null when not stated);
``direction`` is ``stronger``, ``weaker`` or null; ``article`` is null when
the change has no article, and its ``url`` is null unless it is an http(s)
link. ``id`` is the same on every re-delivery of one alert. New keys may be
added within version 1; a change of meaning bumps ``version``.
"""

from __future__ import annotations

import html as _html
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ..model import Alert, Article, Change

__all__ = [
    "PAYLOAD_TYPE",
    "PAYLOAD_VERSION",
    "fact_name",
    "format_value",
    "headline",
    "html",
    "is_web_link",
    "one_line",
    "payload",
    "plain_text",
    "subject",
    "summary",
]

PAYLOAD_VERSION = 1
PAYLOAD_TYPE = "monitor.changes"
SUBJECT_LIMIT = 200
EVIDENCE_LIMIT = 2000

# Bidi embeddings, overrides and isolates can make a line read differently
# from what it holds; line and paragraph separators break lines in some clients.
_INVISIBLE = {"\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


# -- small pieces ---------------------------------------------------------------


def one_line(text: Any, limit: int | None = None) -> str:
    """``text`` as one line: control characters and line breaks become spaces,
    runs of white space collapse, and beyond ``limit`` characters it ends in "…"."""
    text = "" if text is None else str(text)
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" or ch in _INVISIBLE else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)].rstrip() + "…"
    return cleaned


def format_value(value: Any) -> str:
    """A fact's value as people read it: lists joined with commas, None as
    "not stated", objects as ``launched=810, intercepted=747``."""
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else "not stated"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(format_value(v) for v in value) or "none"
    return one_line(value)


def fact_name(change: Change) -> str:
    """The fact in words: ``Coalition: countries pledging troops``,
    ``Coalition: troop stance (DE)``; the key itself when there is no label.

    Labels come from the story's vocabulary and name the attribute only, so
    the topic is put in front and a subject other than the topic behind.
    """
    label = one_line(change.label)
    parts = change.key.split(".")
    if not label or len(parts) != 3:
        return label or one_line(change.key)
    topic, subject_code, _ = parts
    words = topic.split("_")
    # "us_guarantees" about subject "US" reads "US guarantees".
    words = [w.upper() if w.upper() == subject_code and subject_code.isupper() else w for w in words]
    topic_text = " ".join(words)
    topic_text = topic_text[:1].upper() + topic_text[1:]
    name = label if label.lower().startswith(topic_text.lower()) else f"{topic_text}: {label}"
    mentioned = {w.lower() for w in words} | {w.lower() for w in re.findall(r"\w+", label)}
    if subject_code.lower() not in mentioned:
        name += f" ({one_line(subject_code)})"
    return name


def headline(change: Change) -> str:
    """One change in one line: ``<fact>: <old> -> <new>``, with "(new)",
    "(disputed)" and the direction where they apply."""
    new = format_value(change.new)
    if change.change == "new":
        text = f"{fact_name(change)}: {new} (new)"
    elif change.change == "event":
        text = f"{fact_name(change)}: {new}"
    else:
        text = f"{fact_name(change)}: {format_value(change.old)} -> {new}"
        if change.change == "disputed":
            text += " (disputed)"
    if change.direction:
        text += f" ({change.direction})"
    return one_line(text)


def is_web_link(url: Any) -> bool:
    """True for an absolute http or https URL with a host and no white space or
    control characters; only such links become clickable anywhere."""
    if not isinstance(url, str) or not url or url != url.strip():
        return False
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _article(alert: Alert, change: Change) -> Article | None:
    return alert.articles.get(change.article) if change.article else None


def _outlets(alert: Alert, change: Change) -> int:
    count = alert.outlets.get(change.key)
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return count
    return 1 if _article(alert, change) else 0


def _utc(moment: datetime) -> datetime:
    # The store keeps UTC; a naive datetime is read as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(moment: datetime | None) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else "time not stated"


def _what(change: Change) -> str:
    """The change itself, without the fact's name."""
    new = format_value(change.new)
    if change.change == "new":
        text = f"New: {new}"
    elif change.change == "event":
        text = f"Event: {new}"
    else:
        verb = "Disputed" if change.change == "disputed" else "Changed"
        text = f"{verb}: {format_value(change.old)} -> {new}"
    return text + (f" ({change.direction})" if change.direction else "")


def _baseline(change: Change) -> str:
    if change.baseline is None and change.change == "new":
        return "none (first report)"
    return format_value(change.baseline)


def _outlets_text(count: int) -> str:
    return f"{count} independent outlet{'' if count == 1 else 's'}"


# -- the forms ------------------------------------------------------------------


def subject(alert: Alert) -> str:
    """One line for a mail subject or a chat title: the first change, and
    "(+N more)" when there are more.

    Safe as a mail header: no control characters, and "=?" (an RFC 2047
    encoded-word opener) gets a zero-width space, because some Python
    versions decode such words while folding headers and could turn a
    "=?UTF-8?Q?=0A?=" in a title into a real line break (CVE-2024-6923).
    """
    changes = list(alert.changes)
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    prefix = "[test] " if alert.test else ""
    first = headline(changes[0]) if changes else "news-monitor alert"
    first = one_line(first, SUBJECT_LIMIT - len(prefix) - len(more))
    return (prefix + first + more).replace("=?", "=\u200b?")


def summary(alert: Alert) -> str:
    """A short plain-text summary for chat channels: per change its headline,
    evidence, article and link, one block each."""
    blocks = ["Test alert from news-monitor: nothing has changed."] if alert.test else []
    for change in alert.changes:
        lines = [headline(change)]
        if change.evidence:
            lines.append(f'"{one_line(change.evidence, 500)}"')
        article = _article(alert, change)
        source = [one_line(article.title, 300)] if article and article.title else []
        if article and article.outlet:
            source.append(one_line(article.outlet, 100))
        if article:
            source.append(_when(article.published))
        if outlets := _outlets(alert, change):
            source.append(_outlets_text(outlets))
        if source:
            lines.append(" - ".join(source))
        if article and is_web_link(article.url):
            lines.append(str(article.url))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def plain_text(alert: Alert) -> str:
    """The full alert as plain text (the text/plain part of an email)."""
    count = len(alert.changes)
    lines = [
        *(["TEST ALERT from news-monitor: nothing has changed.", ""] if alert.test else []),
        f"{count} change{'' if count == 1 else 's'} detected.",
    ]
    for number, change in enumerate(alert.changes, 1):
        lines += ["", f"{number}. {fact_name(change)}", f"   {_what(change)}"]
        if change.change != "event":
            lines.append(f"   Baseline: {_baseline(change)}")
        if change.evidence:
            lines.append(f'   Evidence: "{one_line(change.evidence, EVIDENCE_LIMIT)}"')
        article = _article(alert, change)
        if article:
            lines.append(f"   Article: {one_line(article.title, 500) or '(untitled)'}")
            outlet = one_line(article.outlet, 200) or "outlet not stated"
            lines.append(f"   Source: {outlet}, published {_when(article.published)}")
            if is_web_link(article.url):
                lines.append(f"   Link: {article.url}")
            elif article.url:
                lines.append(f"   Link (not a web link, not opened): {one_line(article.url, 500)}")
        if outlets := _outlets(alert, change):
            lines.append(f"   Reported by {_outlets_text(outlets)}")
        lines.append(
            f"   Key: {change.key} (extractor {change.extractor or '?'}, confidence {change.confidence:.2f})"
        )
    lines += ["", "-- ", f"news-monitor alert {alert.id}"]
    return "\n".join(lines) + "\n"


def _e(text: Any) -> str:
    return _html.escape(str(text), quote=True)


def html(alert: Alert) -> str:
    """The full alert as an HTML document (the text/html part of an email).

    Everything that comes from articles or extractors is escaped with
    ``html.escape``; only http(s) URLs become ``<a href>``, anything else
    (``javascript:``, ``data:``, relative) is shown as text.
    """
    count = len(alert.changes)
    out = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{_e(subject(alert))}</title></head>",
        '<body style="font-family: sans-serif; line-height: 1.4">',
    ]
    if alert.test:
        out.append(
            '<p style="background: #ffd; padding: 6px"><strong>Test alert</strong>: nothing has changed.</p>'
        )
    out.append(f"<p>{count} change{'' if count == 1 else 's'} detected.</p>")
    for change in alert.changes:
        rows: list[tuple[str, str]] = []
        if change.change != "event":
            rows.append(("Baseline", _e(_baseline(change))))
        if change.evidence:
            rows.append(("Evidence", f"<q>{_e(one_line(change.evidence, EVIDENCE_LIMIT))}</q>"))
        article = _article(alert, change)
        if article:
            title = _e(one_line(article.title, 500) or "(untitled)")
            if is_web_link(article.url):
                title = f'<a href="{_e(article.url)}">{title}</a>'
            elif article.url:
                title += f" <small>(link not opened: {_e(one_line(article.url, 500))})</small>"
            rows.append(("Article", title))
            outlet = _e(one_line(article.outlet, 200) or "outlet not stated")
            rows.append(("Source", f"{outlet}, published {_e(_when(article.published))}"))
        if outlets := _outlets(alert, change):
            rows.append(("Reported by", _e(_outlets_text(outlets))))
        rows.append(
            (
                "Key",
                f"<code>{_e(change.key)}</code> (extractor {_e(change.extractor or '?')}, "
                f"confidence {change.confidence:.2f})",
            )
        )
        out.append('<div style="border-left: 3px solid #c33; padding-left: 10px; margin: 16px 0">')
        out.append(f'<h3 style="margin: 0">{_e(fact_name(change))}</h3>')
        out.append(f"<p><strong>{_e(_what(change))}</strong></p>")
        out.append("<table>")
        out += [f'<tr><th align="left" valign="top">{k}</th><td>{v}</td></tr>' for k, v in rows]
        out.append("</table></div>")
    out.append(f'<p style="color: #777; font-size: small">news-monitor alert {_e(alert.id)}</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _jsonable(value: Any) -> Any:
    """Values as JSON types; a non-finite number (never valid) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    return str(value)


def payload(alert: Alert) -> dict[str, Any]:
    """The versioned JSON payload (see the module docstring), ready for ``json.dumps``."""
    changes = []
    for change in alert.changes:
        article = _article(alert, change)
        changes.append(
            {
                "key": change.key,
                "label": fact_name(change),
                "change": change.change,
                "old": _jsonable(change.old),
                "new": _jsonable(change.new),
                "baseline": _jsonable(change.baseline),
                "direction": change.direction,
                "evidence": change.evidence,
                "extractor": change.extractor,
                "confidence": _jsonable(float(change.confidence)),
                "outlets": _outlets(alert, change),
                "article": None
                if article is None
                else {
                    "title": article.title,
                    "outlet": article.outlet,
                    "url": article.url if is_web_link(article.url) else None,
                    "published": _utc(article.published).isoformat() if article.published else None,
                },
            }
        )
    return {
        "version": PAYLOAD_VERSION,
        "type": PAYLOAD_TYPE,
        "id": alert.id,
        "test": bool(alert.test),
        "changes": changes,
    }
