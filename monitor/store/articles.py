"""Articles, their identity keys (dedup) and their claims."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..facts.decide import value_fingerprint
from ..model import Article, Claim
from . import schema

__all__ = ["add_articles", "add_claims", "failed_articles", "get_article", "mark_extracted", "seen_keys"]

# Keeps each IN (...) well under every database's parameter limit.
_BATCH = 500


def seen_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are known: indexed look-ups only, never a scan of history."""
    wanted = list(dict.fromkeys(keys))
    seen: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        seen.update(session.scalars(select(schema.ArticleKey.key).where(schema.ArticleKey.key.in_(chunk))))
    return seen


def add_articles(
    session: Session, items: Sequence[tuple[Article, Sequence[str], int | None, Sequence[str]]]
) -> None:
    """Store articles with their identity keys: (article, keys, feed id, failed extractors) each, in one flush."""
    session.add_all(
        schema.Article(
            id=article.id,
            feed_id=feed_id,
            guid=article.guid,
            url=article.url,
            title=article.title,
            text=article.text,
            outlet=article.outlet,
            published=article.published or article.fetched,
            fetched=article.fetched,
            status="failed" if failed else "done",
            failed_extractors=list(failed) or None,
        )
        for article, _, feed_id, failed in items
    )
    wanted = {key: article.id for article, keys, _, _ in items for key in keys}
    present = seen_keys(session, wanted)
    session.add_all(
        schema.ArticleKey(key=key, article_id=aid) for key, aid in wanted.items() if key not in present
    )
    session.flush()


def add_claims(session: Session, claims: Iterable[Claim]) -> None:
    session.add_all(
        schema.Claim(
            article_id=claim.article,
            key=claim.key,
            value=claim.value,
            value_hash=value_hash(claim.value),
            evidence=claim.evidence,
            extractor=claim.extractor,
            confidence=float(claim.confidence),
        )
        for claim in claims
    )


def value_hash(value: object) -> str:
    return hashlib.sha256(value_fingerprint(value).encode()).hexdigest()


def failed_articles(
    session: Session, *, max_attempts: int, limit: int
) -> list[tuple[Article, list[str], int]]:
    """Articles some extractor failed on, with those extractors and the attempts so far."""
    rows = session.scalars(
        select(schema.Article)
        .where(schema.Article.status == "failed", schema.Article.extract_attempts < max_attempts)
        .order_by(schema.Article.fetched)
        .limit(limit)
    )
    return [(to_article(row), list(row.failed_extractors or []), row.extract_attempts) for row in rows]


def mark_extracted(
    session: Session, article_id: str, failed: Sequence[str], attempts: int, *, give_up: bool
) -> None:
    row = session.get(schema.Article, article_id)
    if row is None:
        return
    row.extract_attempts = attempts
    row.failed_extractors = list(failed) or None
    row.status = "done" if not failed else ("abandoned" if give_up else "failed")


def get_article(session: Session, article_id: str) -> Article | None:
    row = session.get(schema.Article, article_id)
    return to_article(row) if row else None


def to_article(row: schema.Article) -> Article:
    return Article(
        id=row.id,
        title=row.title,
        text=row.text,
        url=row.url,
        guid=row.guid,
        published=row.published,
        fetched=row.fetched,
        feed=None,
        outlet=row.outlet,
    )
