"""HTML to plain text, for feed fields and linked pages: scripts and styles dropped, never raises."""

from __future__ import annotations

import re
from html import unescape

import lxml.html

__all__ = ["JUNK", "collapse", "html_to_text"]

# Control characters and lone surrogates: not text, and lxml and databases refuse them.
JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Markup still present in extracted text: the feed escaped its HTML twice.
_TAG = re.compile(r"<[^>]*>?")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_LEFTOVER_MARKUP = re.compile(r"<(?:script|style|iframe|object|embed|p|div|br|img|a|span)[\s/>]", re.I)
_SCRIPT_OPEN = re.compile(r"<(?=/?script)", re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "title")
_INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var"})  # fmt: skip


def html_to_text(html: str) -> str:
    """Plain text of HTML (a fragment or a page): scripts and styles dropped, never raises."""
    text = html if isinstance(html, str) else ""
    for _ in range(3):
        text = _html_to_text_once(text)
        if not _LEFTOVER_MARKUP.search(text):
            break
    # Text that still spells "<script" (an article about the tag) is defanged, for any consumer that
    # forgets to escape: its "<" becomes U+2039.
    return _SCRIPT_OPEN.sub("\u2039", text)


def _html_to_text_once(html: str) -> str:
    html = JUNK.sub("", html)
    if "<" not in html and "&" not in html:
        return collapse(html)
    try:
        # A parser per call (about 2 microseconds): lxml parsers must not be shared between threads.
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        for element in list(root.iter(*_DROP_TAGS)):
            element.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag not in _INLINE_TAGS:
                element.text, element.tail = " " + (element.text or ""), " " + (element.tail or "")
        text = collapse(JUNK.sub("", root.text_content()))
    except Exception:  # lxml raises on empty or odd documents
        text = ""
    # libxml2 gives up on markup nested over 2048 deep: a crude strip is better than nothing.
    return text or collapse(unescape(_TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", html))))


def collapse(text: str) -> str:
    return " ".join(text.split())
