"""Who an article is: its id and the identity keys dedup looks up.

An entry is known when any of its keys is stored: its guid (scoped to its
feed when it does not look global), its canonical link, or, with neither,
its content. The store looks the keys up; ``monitor.service.poll`` drops
the known ones before anything is parsed further.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from ..model import Article
from .urls import canonical_url

__all__ = ["article_id", "batch_keys", "guid_identity", "identity_keys", "unseen"]

_KEY_HASH_CHARS = 62  # "g:" + 62 hex digits fits the store's 64-character key column


def article_id(guid_or_url_or_content: str) -> str:
    return hashlib.sha256(guid_or_url_or_content.encode("utf-8", "surrogatepass")).hexdigest()


def guid_identity(guid: str, feed: str | None) -> str:
    """A guid as an identity: global when it looks global (a URL, a tag: or urn: id),
    otherwise scoped to its feed - two feeds' item "1" are not one article."""
    if re.match(r"^(?:[a-z][a-z0-9+.-]*://|tag:|urn:)", guid, re.IGNORECASE) and len(guid) >= 12:
        return guid
    return f"{feed or ''}\n{guid}"


def identity_keys(article: Article) -> list[str]:
    keys = []
    if article.guid:
        keys.append("g:" + article_id(guid_identity(article.guid, article.feed))[:_KEY_HASH_CHARS])
    if url := canonical_url(article.url, keep_fragment=True) if article.url else None:
        keys.append("u:" + article_id(url)[:_KEY_HASH_CHARS])
    return keys or ["c:" + article_id(f"{article.title}\n{article.text}")[:_KEY_HASH_CHARS]]


def _content_key(article: Article) -> str:
    content = f"{article.feed or ''}\n{article.title}\n{article.text}"
    return "c:" + article_id(content)[:_KEY_HASH_CHARS]


def batch_keys(items: Sequence[Article]) -> list[list[str]]:
    """Each item's identity keys, and for an item with a guid but no link its
    content within its feed too - so that a feed rotating its guids on every
    fetch does not make the same items new again - unless another item of the
    batch has the same content (distinct items that read alike keep their guids)."""
    keyed = [identity_keys(article) for article in items]
    content = [
        _content_key(a) if a.guid and len(keys) == 1 and keys[0].startswith("g:") else None
        for a, keys in zip(items, keyed, strict=True)
    ]
    counts = Counter(c for c in content if c)
    return [[*keys, c] if c and counts[c] == 1 else keys for keys, c in zip(keyed, content, strict=True)]


def unseen(
    items: Sequence[Article],
    seen: Callable[[Iterable[str]], set[str]],
    rotated: list[Article] | None = None,
) -> list[tuple[Article, list[str]]]:
    """The items not known yet, each with its identity keys; the first of two equal items wins.

    ``seen`` is the store's look-up of which keys it holds. The article's own
    id is a key too: two identities that hash to one id are one row,
    whatever their guid or link say. An item known by its link or content
    under a guid never seen is appended to ``rotated``: the feed's ids are unstable.
    """
    keyed = [
        (article, [*keys, f"i:{article.id}"]) for article, keys in zip(items, batch_keys(items), strict=True)
    ]
    known = seen(k for _, keys in keyed for k in keys)
    fresh: list[tuple[Article, list[str]]] = []
    batch: set[str] = set()
    for article, keys in keyed:
        if any(k in known or k in batch for k in keys):
            if rotated is not None and keys[0].startswith("g:") and keys[0] not in known | batch:
                rotated.append(article)
            continue
        batch.update(keys)
        fresh.append((article, keys))
    return fresh
