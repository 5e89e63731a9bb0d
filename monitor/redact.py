"""Keeping secrets out of errors and logs (public surface for plugin authors).

Webhook URLs carry tokens in their path (Slack, Discord), in the query
(``?token=``) or as ``user:password@``; library error messages and debug
logs repeat the URL, or just its path and query. ``redact_url`` gives a URL
safe to show, ``redact_text`` cleans a message that may hold one, and
``redact_logs`` makes urllib3's request log lines safe for a URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["looks_secret", "redact_feed_url", "redact_logs", "redact_text", "redact_url"]

MASK = "***"
# A first path segment kept in a redacted URL: a short plain word ("hook",
# "services", "api"); anything with digits may well be a token.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z][A-Za-z_-]{0,23}")
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\[\]-]{0,39}")


def redact_url(url: str) -> str:
    """``url`` safe to log: user and password, every path segment after a
    first plain word, query values and the fragment become ``***``.

    ``https://u:p@hooks.example/services/T0/B0/XyZ?token=abc`` reads
    ``https://***@hooks.example/services/***?token=***``.
    """
    try:
        parts = urlsplit(str(url).strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return "<unparseable URL>"
    out = f"{parts.scheme}:" if parts.scheme else ""
    if parts.netloc:
        host_text = f"[{host}]" if host and ":" in host else host or ""
        userinfo = f"{MASK}@" if "@" in parts.netloc else ""
        out += f"//{userinfo}{host_text}{f':{port}' if port else ''}"
    segments = parts.path.split("/")
    if len(segments) > 1 and segments[0] == "":
        first, rest = segments[1], segments[2:]
        kept = first if not first or _PLAIN_SEGMENT.fullmatch(first) else MASK
        out += "/" + kept + (f"/{MASK}" if any(rest) else "/" if rest else "")
    elif parts.path:
        out += MASK
    if parts.query:
        pairs = [raw.partition("=") for raw in parts.query.split("&")]
        out += "?" + "&".join(
            f"{n}={MASK}" if eq and _PLAIN_NAME.fullmatch(n) else MASK for n, eq, _ in pairs
        )
    if parts.fragment:
        out += f"#{MASK}"
    return out


# A path segment that looks like a token: long, with digits, no spaces or dots in words.
_TOKEN_SEGMENT = re.compile(r"(?=[^/]*[0-9])[A-Za-z0-9_~+=-]{16,}")


def looks_secret(url: str) -> bool:
    """Whether ``url`` carries userinfo, a query or a token-like path segment."""
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return True
    segments = parts.path.split("/")
    return "@" in parts.netloc or bool(parts.query) or any(_TOKEN_SEGMENT.fullmatch(s) for s in segments)


def redact_feed_url(url: str) -> str:
    """A feed URL safe to print and still recognisable: userinfo, query values,
    the fragment and token-like path segments become ``***``; the rest stays.

    ``http://reader:pw@host/a.xml?token=abc`` reads ``http://***@host/a.xml?token=***``.
    """
    try:
        parts = urlsplit(str(url).strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return "<unparseable URL>"
    host_text = f"[{host}]" if host and ":" in host else host or ""
    out = (
        f"{parts.scheme}://{MASK + '@' if '@' in parts.netloc else ''}{host_text}{f':{port}' if port else ''}"
    )
    out += "/".join(MASK if _TOKEN_SEGMENT.fullmatch(s) else s for s in parts.path.split("/"))
    if parts.query:
        pairs = [raw.partition("=") for raw in parts.query.split("&")]
        out += "?" + "&".join(
            f"{n}={MASK}" if eq and _PLAIN_NAME.fullmatch(n) else MASK for n, eq, _ in pairs
        )
    return out + (f"#{MASK}" if parts.fragment else "")


def _secret_pieces(url: str) -> set[str]:
    """The parts of ``url`` that may be secret, as they may appear on their own."""
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return {str(url)}
    pieces: set[str] = set()
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        pieces |= {userinfo, *userinfo.split(":", 1)}
    segments = [s for s in parts.path.split("/") if s]
    secret_segments = segments[1:] if segments and _PLAIN_SEGMENT.fullmatch(segments[0]) else segments
    pieces |= set(secret_segments)
    if secret_segments or parts.query:
        pieces.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    if parts.query:
        pieces.add(parts.query)
        pieces |= {value for _, value in parse_qsl(parts.query, keep_blank_values=True)}
        for raw in parts.query.split("&"):
            name, eq, value = raw.partition("=")
            pieces.add(value if eq and _PLAIN_NAME.fullmatch(name) else raw)
    if parts.fragment:
        pieces.add(parts.fragment)
    return pieces | {unquote(p) for p in pieces}


def redact_text(text: str, urls: Iterable[str] = (), secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL in ``urls`` redacted (also where only its path,
    query, token or password appears, as in library error messages) and each
    of ``secrets`` replaced by ``***``. Pieces shorter than 4 characters are
    left alone, so that redaction cannot shred ordinary words."""
    text = str(text)
    urls = [str(u) for u in urls if u]
    for url in urls:
        text = text.replace(url, redact_url(url))
    pieces = {p for url in urls for p in _secret_pieces(url)} | {s for s in secrets if s}
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= 4 and piece != MASK:
            text = text.replace(piece, MASK)
    return text


class _RedactingFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls:
            message = record.getMessage()
            redacted = redact_text(message, urls=self.urls)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


_URLLIB3 = _RedactingFilter()
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


def redact_logs(url: str) -> None:
    """Redact ``url`` from urllib3's own log records from now on.

    urllib3 (under requests) logs every request line at DEBUG, path and query
    included ("POST /hook/<token>?token=... HTTP/1.1"); a filter on its
    loggers rewrites those records before any handler sees them.
    """
    if not _URLLIB3.urls:
        for name in _URLLIB3_LOGGERS:
            logging.getLogger(name).addFilter(_URLLIB3)
    _URLLIB3.urls.add(str(url))
