"""How stored data reads on a page: values, moves, evidence in context, safe links, step charts.

Everything returns plain strings and numbers; escaping is the templates' job
(Jinja2 autoescape), so no function here builds markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ..model import FactSpec
from ..store import FactHistory

__all__ = ["Chart", "Context", "chart", "context", "move", "safe_url", "show", "when"]

CONTEXT_CHARS = 220


def show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def move(old: Any, new: Any, direction: str | None) -> str | None:
    """The direction of a move: the enum's own ("stronger"/"weaker"), "up"/"down" for numbers."""
    if direction:
        return direction
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (old, new))
    if numbers and old != new:
        return "up" if new > old else "down"
    if isinstance(old, list) and isinstance(new, list) and len(old) != len(new):
        return "more" if len(new) > len(old) else "fewer"
    return None


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: a page never links to javascript: or data:."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else None


@dataclass(frozen=True)
class Context:
    before: str
    evidence: str
    after: str


def context(text: str | None, evidence: str, chars: int = CONTEXT_CHARS) -> Context:
    """The evidence sentence with some of the article around it (cut at word boundaries)."""
    at = (text or "").find(evidence) if evidence else -1
    if at < 0:
        return Context("", evidence, "")
    before = text[max(0, at - chars) : at]  # type: ignore[index]
    after = text[at + len(evidence) : at + len(evidence) + chars]  # type: ignore[index]
    if at > chars and " " in before:
        before = "…" + before.split(" ", 1)[1]
    if len(text) > at + len(evidence) + chars and " " in after:  # type: ignore[arg-type]
        after = after.rsplit(" ", 1)[0] + "…"
    return Context(before, evidence, after)


# -- the step chart -------------------------------------------------------------

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 150, 16, 16, 36


@dataclass(frozen=True)
class Step:
    x1: float
    x2: float
    y: float
    label: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    status: str  # "accepted", "pending", "disputed", "baseline"
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    steps: tuple[Step, ...]
    risers: tuple[tuple[float, float, float], ...]  # x, y1, y2
    marks: tuple[Mark, ...]
    levels: tuple[tuple[float, str], ...]  # y, label
    start: str
    end: str
    left: int
    bottom: float


def _levels(history: FactHistory, spec: FactSpec | None) -> list[str]:
    """The chart's y levels, lowest first: an ordered enum's values, sorted numbers, or first-seen order."""
    values = ([history.baseline] if history.has_baseline else []) + [c.new for c in history.changes]
    shown = list(dict.fromkeys(show(v) for v in values))
    if spec is not None and spec.ordered and spec.values:
        order = [show(v) for v in spec.values]
        return [v for v in order if v in shown] + [v for v in shown if v not in order]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values if v is not None):
        return [show(v) for v in sorted({v for v in values if v is not None})] + (
            ["—"] if None in values else []
        )
    return shown


def chart(history: FactHistory, spec: FactSpec | None, now: datetime) -> Chart | None:
    """A step chart of a state fact: the accepted value over time, other reports as marks."""
    if history.kind == "event":
        return None
    points: list[tuple[datetime, Any, str, str]] = []
    if history.has_baseline:
        points.append((history.baseline_at or now, history.baseline, "baseline", "baseline"))
    points += [(c.detected_at, c.new, c.status, f"#{c.id} {c.status}") for c in history.changes]
    if not points:
        return None
    levels = _levels(history, spec)
    start, end = min(p[0] for p in points), max(now, *(p[0] for p in points))
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y(value: Any) -> float:
        index = levels.index(show(value))
        return round(
            TOP + plot_h - (plot_h * index / max(1, len(levels) - 1) if len(levels) > 1 else plot_h / 2), 1
        )

    accepted = [p for p in points if p[2] in ("baseline", "accepted")]
    steps, risers = [], []
    for index, (moment, value, _, _) in enumerate(accepted):
        until = accepted[index + 1][0] if index + 1 < len(accepted) else end
        steps.append(Step(x(moment), x(until), y(value), show(value)))
        if index:
            risers.append((x(moment), y(accepted[index - 1][1]), y(value)))
    marks = tuple(
        Mark(x(m), y(v), status, f"{title}: {show(v)} ({when(m)})") for m, v, status, title in points
    )
    return Chart(
        WIDTH,
        HEIGHT,
        tuple(steps),
        tuple(risers),
        marks,
        tuple((y(level) if level in levels else 0, level[:24]) for level in levels),
        when(start),
        when(end),
        LEFT,
        HEIGHT - BOTTOM + 22,
    )
