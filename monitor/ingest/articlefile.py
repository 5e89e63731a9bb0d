"""Plain-text article files: a title line, a blank line, then the body.

A file whose second line is not blank has no title: all of it is the body.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from ..errors import MonitorError
from ..model import Article

__all__ = ["parse_article_text", "read_article_file"]

MAX_FILE_BYTES = 5 * 1024 * 1024


def parse_article_text(raw: str, *, source: str, published: datetime | None = None) -> Article:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    if len(lines) >= 2 and lines[0].strip() and not lines[1].strip():
        title, body = lines[0].strip(), "\n".join(lines[2:]).strip()
    else:
        title, body = "", text.strip()
    now = datetime.now(UTC)
    digest = hashlib.sha256(f"file\n{title}\n{body}".encode()).hexdigest()
    return Article(
        id=digest[:40],
        title=title,
        text=body,
        url=None,
        guid=None,
        published=published or now,
        fetched=now,
        feed=None,
        outlet=source,
    )


def read_article_file(path: Path, *, published: datetime | None = None) -> Article:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MonitorError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise MonitorError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    return parse_article_text(data.decode("utf-8", errors="replace"), source=path.name, published=published)
