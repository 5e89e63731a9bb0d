"""The pattern language of story files, compiled to regular expressions.

The syntax is described for users in the package docstring (**Patterns**).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from monitor import text as T

__all__ = ["SLOTS", "braced", "compile_pattern", "gap_spans"]

_WORD = r"(?:[^\s,.;:!?()\[\]\"\u201c\u201d]|\.(?=\w))"
# What each placeholder matches; {subject} is the fact's entity list (Entities.subject_regex).
SLOTS = {
    "number": f"(?P<number>{T.NUMBER})",
    "value": rf"(?P<value>{_WORD}+(?:[ \t]+{_WORD}+){{0,5}})",
    "name": rf"(?-i:(?P<value>[A-Z]{_WORD}*(?:[ \t]+(?:(?:of|de|del|der|van|von|la|le|the)[ \t]+)?[A-Z]{_WORD}*){{0,4}}))",
    "items": r"(?P<items>[^.;:!?]{1,200})",
}
_LEX = re.compile(
    r"\\(?P<esc>.)|\{(?P<slot>[^{}]*)\}|(?P<gap>\s*\.\.\.\s*)|(?P<optspace>\s+\?)|(?P<space>\s+)"
    r"|(?P<star>\*)|(?P<quote>['\u2019])|(?P<syntax>[()|?])|(?P<brace>[{}])|(?P<char>.)",
    re.S,
)


def braced(name: str) -> str:
    """A placeholder as written in a pattern: ``{number}``."""
    return "{" + name + "}"


def compile_pattern(source: str, allowed: Mapping[str, str]) -> re.Pattern[str]:
    """Translate one story pattern into a compiled regex; ValueError says what is wrong.

    ``allowed`` maps each placeholder the pattern may use to its regex.
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError("must be a non-empty string")
    text = source.strip()
    if text.startswith("...") or text.endswith("..."):
        raise ValueError(f"{source!r}: '...' stands between two words")
    parts, used, gaps = [], set(), 0
    for tok in _LEX.finditer(text):
        kind, lexeme = tok.lastgroup, tok.group(tok.lastgroup or 0)
        if kind == "esc":
            parts.append(re.escape(lexeme))
        elif kind == "slot":
            if lexeme not in allowed:
                names = ", ".join(braced(n) for n in allowed) or "no placeholders"
                raise ValueError(f"{source!r}: {{{lexeme}}} cannot be used here (allowed: {names})")
            if lexeme in used:
                raise ValueError(f"{source!r}: {{{lexeme}}} may appear only once")
            used.add(lexeme)
            parts.append(allowed[lexeme])
        elif kind == "gap":
            parts.append(rf"\s+(?P<gap{gaps}>(?:[^\s;:]+\s+){{0,4}}?)")
            gaps += 1
        elif kind == "optspace":
            parts.append(r"\s*")
        elif kind == "space":
            parts.append(r"\s+")
        elif kind == "star":
            if tok.start() == 0 or not text[tok.start() - 1].isalnum():
                raise ValueError(f"{source!r}: '*' must end a word, as in 'negotiat*'")
            parts.append(r"\w*")
        elif kind == "quote":
            parts.append("['\u2019]")
        elif kind == "syntax":
            parts.append("(?:" if lexeme == "(" else lexeme)
        elif kind == "brace":
            raise ValueError(f"{source!r}: unbalanced '{lexeme}' (placeholders are written {{number}})")
        else:
            parts.append(re.escape(lexeme))
    try:
        return re.compile(r"(?<!\w)(?:" + "".join(parts) + r")(?!\w)", re.I)
    except re.error as exc:
        raise ValueError(f"{source!r}: {exc.msg}") from None


def gap_spans(m: re.Match[str]) -> list[tuple[int, int]]:
    """Where the ``...`` gaps of a compiled pattern matched."""
    return [m.span(g) for g, v in m.groupdict().items() if g.startswith("gap") and v is not None]
