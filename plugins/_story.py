"""What the three story extractors share: the Coalition of the Willing and Ukraine's security.

Not a plugin (no hooks): ``coalition``, ``us_guarantees`` and ``russia`` import it as
``from . import _story``. Generic language helpers live in ``monitor.text``; this
module holds only what belongs to the story: which articles are about it, which
sentences are background, the size limit on what is read, and how an article's
claims are boiled down to one per key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor import Article, Claim
from monitor import text as T

__all__ = [
    "LONG_AGO",
    "MAX_CHARS",
    "NUM",
    "STORY",
    "YEAR",
    "about_story",
    "best",
    "content",
    "old_year",
    "plain",
    "published_year",
    "sentences",
    "stale",
]

# Only so much of an article's text is read.
MAX_CHARS = 200_000
NUM = T.NUMBER

# Words of the story: Ukraine's security, the reassurance force and Russia.
STORY = re.compile(
    r"\b(?:Ukrain\w*|Kyiv|Kiev|Zelensk\w*|Coalition of the Willing|reassurance force|multinational force|ceasefire"
    r"|peacekeep\w*|security guarantees|Russia\w*|Putin|Kremlin)\b",
    re.I,
)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
LONG_AGO = re.compile(r"\b(?:last year|years ago)\b", re.I)


def content(article: Article) -> str:
    """The title and the (truncated) text of ``article``, one per line."""
    return f"{article.title or ''}\n{(article.text or '')[:MAX_CHARS]}"


def about_story(content: str, elsewhere: re.Pattern[str]) -> bool:
    """``content`` is about Ukraine's security more than about the other conflicts ``elsewhere`` names."""
    return len(STORY.findall(content)) > len(elsewhere.findall(content))


def sentences(article: Article) -> list[str]:
    """The sentences of the title, then those of the (truncated) text."""
    out = []
    for source in (article.title, article.text):
        if isinstance(source, str) and source:
            source = source[:MAX_CHARS]
            out.extend(source[s:e] for s, e in T.sentence_spans(source))
    return out


def published_year(article: Article) -> int | None:
    return article.published.year if article.published else None


def old_year(sentence: str, year: int | None) -> bool:
    """``sentence`` names a year before the one before ``year``.

    One year of slack: ``published`` may be when the item was fetched, not written.
    """
    if not year:
        return False
    return any(int(y) < year - 1 for y in YEAR.findall(sentence))


def stale(sentence: str, year: int | None) -> bool:
    """A sentence about an earlier year ("in 2022", "last year") is background, not news."""
    return bool(LONG_AGO.search(sentence)) or old_year(sentence, year)


def plain(sentence: str, start: int, end: int) -> bool:
    """Neither hedged nor commentary between ``start`` and ``end``."""
    return not (T.is_hedged(sentence, start, end) or T.is_commentary(sentence, start, end))


def best(claims: Iterable[Claim]) -> list[Claim]:
    """One claim per key: the most confident, the first on a tie."""
    kept: dict[str, Claim] = {}
    for claim in claims:
        if claim.key not in kept or claim.confidence > kept[claim.key].confidence:
            kept[claim.key] = claim
    return list(kept.values())
