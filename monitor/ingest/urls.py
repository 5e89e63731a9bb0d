"""Canonical article URLs: one spelling per page, for links and for dedup keys."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

__all__ = ["MAX_URL_CHARS", "canonical_url", "is_tracking_param"]

# Longer links are not links anyone means; they are dropped, never cut.
MAX_URL_CHARS = 8192

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Browsers drop tabs and newlines anywhere in a URL (WHATWG URL standard).
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # stripped from both ends, as browsers do
_BAD_HOST = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`@]")

# Analytics and campaign parameters: they never change the page.
_TRACKING_PREFIXES = ("utm_", "at_", "ns_")  # Google/Urchin, AT Internet (BBC), comScore
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "mc_cid", "mc_eid", "igshid", "ocid", "cmpid", "cmp", "ref_src", "ref_url",
        "_ga", "_gl", "mkt_tok", "wt.mc_id", "xtor", "smid", "emc", "sr_share",
        "oly_anon_id", "oly_enc_id", "vero_id", "spm",
    }
)  # fmt: skip


def is_tracking_param(name: str) -> bool:
    """True for a query parameter name that only tracks a click (case-insensitive)."""
    name = unquote(name).lower()
    return name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None, *, keep_fragment: bool = False) -> str | None:
    """The canonical http(s) form of ``url`` resolved against ``base``, or None.

    None means the link is not usable as an article link: another scheme
    (data:, javascript:, mailto:, file:, ...), no host, a bad port or host,
    or unparseable. ``keep_fragment`` keeps the ``#part``, for the rare feed
    whose items are anchors on one page.
    """
    if not isinstance(url, str):
        return None
    url = _TAB_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    if not url or len(url) > MAX_URL_CHARS:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host or _BAD_HOST.search(host):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    # The userinfo (user:password@) is dropped: it is never part of an article's identity.
    bare = urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment if keep_fragment else ""))
    tracking = [
        pair.partition("=")[0] for pair in parts.query.split("&") if is_tracking_param(pair.partition("=")[0])
    ]
    try:
        if tracking:
            bare = url_query_cleaner(bare, tracking, remove=True, unique=False, keep_fragments=keep_fragment)
        canonical = canonicalize_url(bare, keep_blank_values=True, keep_fragments=keep_fragment)
    except (ValueError, UnicodeError):
        return None
    return canonical if len(canonical) <= MAX_URL_CHARS else None
