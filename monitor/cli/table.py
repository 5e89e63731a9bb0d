"""Listings: a header row and aligned columns; a long value shortens its column, never breaks it."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import click

__all__ = ["echo_table"]

MAX_COLUMN = 48  # wider values are cut with an ellipsis, except in the last column


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(1, width - 1)] + "…"


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, empty: str = "") -> None:
    """Print ``rows`` under ``headers``; every column but the last is padded (and capped) to align."""
    if not rows:
        if empty:
            click.echo(empty)
        return
    cells = [[" ".join(str("-" if v is None else v).split()) for v in row] for row in rows]
    widths = [min(MAX_COLUMN, max(len(headers[i]), *(len(r[i]) for r in cells))) for i in range(len(headers))]
    terminal = shutil.get_terminal_size((200, 24)).columns
    for line in [list(headers), *cells]:
        text = "  ".join(
            _cut(value, widths[i]).ljust(widths[i]) if i < len(line) - 1 else value
            for i, value in enumerate(line)
        )
        click.echo(text.rstrip() if len(text) <= max(terminal, 200) else text)
