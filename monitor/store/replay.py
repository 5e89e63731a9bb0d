"""Stored articles read again (``monitor replay``): in publication order, their claims replaced."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from ..model import Article, Claim
from . import schema
from .articles import add_claims, to_article, value_hash

__all__ = ["articles_in_order", "count_articles", "new_claims", "replace_claims"]


def new_claims(session: Session, article_id: str, claims: Sequence[Claim]) -> list[Claim]:
    """Of ``claims`` about a stored article, those it was not already stored making (key and value)."""
    rows = session.execute(
        select(schema.Claim.key, schema.Claim.value_hash).where(schema.Claim.article_id == article_id)
    ).all()
    stored = {(row.key, row.value_hash) for row in rows}
    return [c for c in claims if (c.key, value_hash(c.value)) not in stored]


def count_articles(session: Session, *, since: datetime | None) -> int:
    query = select(func.count()).select_from(schema.Article)
    if since is not None:
        query = query.where(schema.Article.published >= since)
    return int(session.scalar(query) or 0)


def articles_in_order(
    session: Session, *, since: datetime | None, after: tuple[datetime, str] | None, limit: int
) -> list[Article]:
    """Up to ``limit`` stored articles published at or after ``since``, after the cursor
    ``(published, id)``, oldest first: a replay pages through history with it."""
    query = select(schema.Article).order_by(schema.Article.published, schema.Article.id).limit(limit)
    if since is not None:
        query = query.where(schema.Article.published >= since)
    if after is not None:
        published, article_id = after
        query = query.where(
            or_(
                schema.Article.published > published,
                and_(schema.Article.published == published, schema.Article.id > article_id),
            )
        )
    return [to_article(row) for row in session.scalars(query)]


def replace_claims(
    session: Session, article_id: str, claims: Sequence[Claim], topics: Sequence[str] | None
) -> None:
    """The article's stored claims under ``topics`` (every claim: None) give way to ``claims``."""
    rows = session.execute(
        select(schema.Claim.id, schema.Claim.key).where(schema.Claim.article_id == article_id)
    ).all()
    stale = [row.id for row in rows if topics is None or row.key.split(".", 1)[0] in topics]
    if stale:
        session.execute(delete(schema.Claim).where(schema.Claim.id.in_(stale)))
    add_claims(session, claims)
