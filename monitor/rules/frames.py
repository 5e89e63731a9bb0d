"""Frames: which words together make a claim on which fact, whose it is, and what value it reads.

A frame's patterns find a target in a sentence; the story's context rules say
what surrounds it (negated, conditional, hedged, somebody else's, another
conflict); the frame's ``modifiers``, checked in the order written, turn each
category found into another value or into ``drop``. The subject is the
government the statement belongs to: an ``{actor}`` in the pattern, an
adjective inside it ("Polish troops"), the nearest government before it in
its clause, or the sentence's speaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .analysis import PREPOSITIONS, Sentence, Token, View
from .context import ContextIndex, Cue
from .pattern import Pattern

__all__ = ["Frame", "FrameIndex", "Hit", "Modifier", "fill_from_later", "run_frames"]

_LINKS = frozenset({"and", ",", "&", "as", "well", "'s", "the"})


@dataclass(frozen=True)
class Modifier:
    """What a context category does to a frame's claim: ``drop`` it, or give another value (and confidence)."""

    value: str
    confidence: float | None = None


@dataclass(frozen=True)
class Frame:
    name: str
    attribute: str
    patterns: tuple[Pattern, ...]
    value: Any
    subject: str = "actor"  # "actor", "speaker" or a fixed subject
    confidence: float = 0.8
    modifiers: tuple[tuple[str, Modifier], ...] = ()
    exclude_subjects: frozenset[str] = frozenset()
    minimum: int | None = None
    maximum: int | None = None
    parts: tuple[str, ...] = ("title", "text")
    requires: tuple[Pattern, ...] = ()  # the sentence must also match one of these
    order: int = 0
    fill: tuple[tuple[str, str, int], ...] = ()  # (field, frame name, within sentences): see fill_from_later
    fill_only: bool = False  # its hits only fill other frames' fields; no claim of its own
    # what an {items} slot reads: {id: patterns}, "actors" (every government named) or a set of codes
    items: Mapping[str, tuple[Pattern, ...]] | frozenset[str] | str | None = None


@dataclass(frozen=True)
class Hit:
    """One frame matched in one sentence, kept or dropped, with why."""

    frame: Frame
    sentence: Sentence
    matched: str
    subjects: tuple[str, ...]
    value: Any
    categories: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    dropped: str | None = None  # why no claim came of it
    confidence: float = 0.0


class FrameIndex:
    """Which patterns a sentence could match, from the words it holds: most sentences need none tried."""

    def __init__(self, frames: Sequence[Frame]) -> None:
        self.frames = tuple(frames)
        self._by_word: dict[str, list[tuple[int, int]]] = {}
        self._always: list[tuple[int, int]] = []
        for fi, frame in enumerate(self.frames):
            for pi, pattern in enumerate(frame.patterns):
                if pattern.needs is None:
                    self._always.append((fi, pi))
                else:
                    for word in pattern.needs:
                        self._by_word.setdefault(word, []).append((fi, pi))

    def candidates(self, sentence: Sentence) -> list[tuple[Frame, list[Pattern]]]:
        found = set(self._always)
        for word in sentence.words:
            hit = self._by_word.get(word)
            if hit:
                found.update(hit)
        if not found:
            return []
        by_frame: dict[int, list[int]] = {}
        for fi, pi in sorted(found):
            by_frame.setdefault(fi, []).append(pi)
        out = []
        for fi, pis in by_frame.items():
            frame = self.frames[fi]
            if sentence.part in frame.parts:
                out.append((frame, [frame.patterns[pi] for pi in pis]))
        return out


def run_frames(
    sentences: Sequence[Sentence],
    index: FrameIndex,
    contexts: tuple[ContextIndex, ContextIndex],
    year: int | None,
) -> Iterator[Hit]:
    """Every hit of every frame; ``contexts`` is (whole-sentence rules, the others), indexed."""
    whole, local = contexts
    for sentence in sentences:
        todo = index.candidates(sentence)
        if not todo:
            continue
        sentence_cues: list[Cue] | None = None
        old = _old_year(sentence, year)
        for view in sentence.views:
            view_cues: list[Cue] | None = None
            for frame, patterns in todo:
                if frame.requires and not any(_search(p, sentence) for p in frame.requires):
                    continue
                for pattern in patterns:
                    for m in pattern.regex.finditer(view.stream):
                        if view_cues is None:
                            view_cues = local.cues(view, sentence.words)
                        if sentence_cues is None:
                            sentence_cues = [c for v in sentence.views for c in whole.cues(v, sentence.words)]
                        yield _hit(frame, sentence, view, m, [*sentence_cues, *view_cues], old)


def _search(pattern: Pattern, sentence: Sentence) -> bool:
    return pattern.possible(sentence.words) and any(pattern.regex.search(v.stream) for v in sentence.views)


def _old_year(sentence: Sentence, year: int | None) -> bool:
    """A year before the one before publication: background from long ago (one year of slack)."""
    if not year:
        return False
    return any(t.kind == "year" and isinstance(t.value, int) and t.value < year - 1 for t in sentence.tokens)


def _hit(frame: Frame, sentence: Sentence, view: View, m: re.Match[str], cues: list[Cue], old: bool) -> Hit:
    start, end = view.span(*m.span())
    gaps = [view.span(*m.span(g)) for g, v in m.groupdict().items() if g.startswith("gap") and v]
    gaps = [(s, e) for s, e in gaps if e > s]
    found = [c for c in cues if c.applies(view, start, end, gaps)]
    categories = tuple(dict.fromkeys(c.rule.category for c in found))
    if old:
        categories = (*categories, "old_year")
    text = m.group(0).strip()
    subjects = _subjects(frame, sentence, view, m, start, end)
    value, why = _value(frame, sentence, view, m)
    confidence = frame.confidence
    for category, action in frame.modifiers:
        if category in categories:
            if action.value == "drop":
                why = (
                    why
                    or f"{category} ({', '.join(c.text for c in found if c.rule.category == category) or category})"
                )
            else:
                value = action.value
                confidence = action.confidence if action.confidence is not None else confidence
            break
    if not subjects and why is None:
        why = "no government to attribute it to"
    cue_text = tuple(f"{c.rule.category}: {c.text}" for c in found)
    return Hit(frame, sentence, text, subjects, value, categories, cue_text, why, confidence)


def _group_codes(tokens: Sequence[Token], start: int, end: int) -> list[str]:
    return [str(t.value) for t in tokens[start:end] if t.kind == "actor"]


def _subjects(
    frame: Frame, sentence: Sentence, view: View, m: re.Match[str], start: int, end: int
) -> tuple[str, ...]:
    if frame.subject not in ("actor", "speaker"):
        return (frame.subject,)
    codes: list[str] = []
    if frame.subject == "actor":
        for slot in ("actor", "adj", "subject"):
            if m.groupdict().get(slot):
                codes = _group_codes(view.tokens, *view.span(*m.span(slot)))
                break
        if not codes:  # "Polish troops": an adjective inside the match or just before it
            lo = max(0, start - 2)
            codes = [str(t.value) for t in view.tokens[lo:end] if t.kind == "actor" and t.norm.endswith(".a")]
        if not codes:
            found = _nearest_before(view, start)
            if found is None:  # "26 of the allies have pledged": the subject is not one government
                return ()
            codes = found
    if not codes:
        codes = list(sentence.speakers)
    return tuple(dict.fromkeys(c for c in codes if c not in frame.exclude_subjects))


def _nearest_before(view: View, start: int) -> list[str] | None:
    """The government group nearest before token ``start`` in its clause, not after a preposition.

    None when a subject that is not one government ("26 countries", "allies") comes first.
    """
    tokens = view.tokens
    i = start - 1
    while i >= 0:
        tok = tokens[i]
        if tok.kind == "boundary":
            return []
        if tok.kind == "group":
            return None
        if tok.kind == "actor" and tok.norm.endswith(".n"):
            if i > 0 and tokens[i - 1].norm in PREPOSITIONS:
                i -= 1
                continue
            group = [str(tok.value)]
            j = i - 1
            while j >= 0 and (tokens[j].norm in _LINKS or tokens[j].kind == "actor"):
                if tokens[j].kind == "actor":
                    group.insert(0, str(tokens[j].value))
                j -= 1
            return group
        i -= 1
    return []


def _value(frame: Frame, sentence: Sentence, view: View, m: re.Match[str]) -> tuple[Any, str | None]:
    spec = frame.value
    if isinstance(spec, Mapping):
        out: dict[str, Any] = {}
        for key, item in spec.items():
            value, why = _scalar(frame, sentence, view, m, item, optional=True)
            if why:
                return None, why
            out[key] = value
        return out, None
    return _scalar(frame, sentence, view, m, spec, optional=False)


def _scalar(
    frame: Frame, sentence: Sentence, view: View, m: re.Match[str], spec: Any, optional: bool
) -> tuple[Any, str | None]:
    if spec == "=null":
        return None, None
    if not (isinstance(spec, str) and spec.startswith("{") and spec.endswith("}")):
        return spec, None
    kind, _, name = spec[1:-1].partition(":")
    group = f"{kind}_{name}" if name else kind
    if kind == "actors":
        codes = sorted(
            {c for c in _group_codes(view.tokens, *view.span(*m.span())) if c not in frame.exclude_subjects}
        )
        return (codes, None) if len(codes) >= 2 else (None, "fewer than two governments")
    raw = m.groupdict().get(group)
    if raw is None:
        return (None, None) if optional else (None, f"no {spec}")
    s, e = view.span(*m.span(group))
    tokens = view.tokens[s:e]
    if kind in ("number", "approx", "actor", "adj"):
        if kind in ("actor", "adj"):
            codes = [
                str(t.value)
                for t in tokens
                if t.kind == "actor" and str(t.value) not in frame.exclude_subjects
            ]
            return (codes[0], None) if codes else (None, "only governments the frame excludes")
        value = tokens[0].value
        if not isinstance(value, int):
            return None, "not a number"
        if (frame.minimum is not None and value < frame.minimum) or (
            frame.maximum is not None and value > frame.maximum
        ):
            return None, f"{value} is out of bounds"
        return value, None
    if kind == "value":
        value = sentence.text[tokens[0].start : tokens[-1].end].strip("\"'\u2018\u2019\u201c\u201d ")
        return (value, None) if value else (None, "no value")
    if kind == "items":
        return _items(frame, tokens)
    if kind == "name":
        words = []
        for tok in tokens:
            original = sentence.text[tok.start : tok.end]
            if tok.kind not in ("word", "actor") or not original[:1].isupper():
                break
            words.append(tok)
        if not words:
            return None, "not a name"
        return sentence.text[words[0].start : words[-1].end], None
    return raw, None


def _items(frame: Frame, tokens: Sequence[Token]) -> tuple[Any, str | None]:
    """The sorted ids of the frame's items named in the stretch ``tokens``."""
    items = frame.items
    if isinstance(items, Mapping):
        stream = " " + " ".join(t.norm for t in tokens) + " "
        found = sorted(i for i, patterns in items.items() if any(p.regex.search(stream) for p in patterns))
    else:
        found = sorted(
            {
                str(t.value)
                for t in tokens
                if t.kind == "actor"
                and str(t.value) not in frame.exclude_subjects
                and (items == "actors" or (isinstance(items, frozenset) and str(t.value) in items))
            }
        )
    return (found, None) if found else (None, "no items")


def fill_from_later(hits: list[Hit]) -> list[Hit]:
    """Fill an object's empty field from a later frame's hit a sentence or two on.

    "Russia fired 112 drones overnight. Air defences downed 84 of them." The
    first frame gives ``{"launched": 112, "intercepted": None}``; its ``fill``
    names the frame that reads the second sentence and how far it may be.
    """
    out = []
    for hit in hits:
        if hit.frame.fill and isinstance(hit.value, dict) and hit.dropped is None:
            value = dict(hit.value)
            for field_name, frame_name, within in hit.frame.fill:
                if value.get(field_name) is not None:
                    continue
                for later in hits:
                    gap = later.sentence.index - hit.sentence.index
                    if later.frame.name == frame_name and later.dropped is None and 0 <= gap <= within:
                        value[field_name] = later.value
                        break
            hit = Hit(
                hit.frame,
                hit.sentence,
                hit.matched,
                hit.subjects,
                value,
                hit.categories,
                hit.cues,
                None,
                hit.confidence,
            )
        out.append(hit)
    return out
