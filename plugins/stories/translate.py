"""The story-file pattern syntax, translated into the rule engine's pattern language.

A story pattern is words with a little syntax (``(a|b)``, ``?`` after a letter
or a group, ``word*``, ``...``, ``\\x``, placeholders); the engine matches token
streams. A word becomes an engine word (a lemma is inflected by the engine);
the forms a letter-level ``?`` or group spells out become alternatives
(``tariffs?`` is the lemma ``tariff``, ``walk(s|ed)?`` is ``(walk | walks | walked)``);
the name of an entity or a country becomes its government token (``=eu.n``);
``{subject}`` becomes the engine's ``{subject}``, the other placeholders keep
their names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Aliases", "translate_pattern"]

_LEX = re.compile(
    r"\\(?P<esc>.)|\{(?P<slot>[^{}]*)\}|(?P<gap>\s*\.\.\.\s*)|(?P<optspace>\s+\?)|(?P<space>\s+)"
    r"|(?P<star>\*)|(?P<quote>['\u2019])|(?P<syntax>[()|?])|(?P<brace>[{}])|(?P<char>.)",
    re.S,
)
# How the engine cuts text into tokens (monitor.rules): words, "'s", "n't", one punctuation mark each.
_TOKEN = re.compile(
    r"[A-Za-z\u00C0-\u024F0-9]+(?:['\u2019.\-\u2011][A-Za-z\u00C0-\u024F0-9]+)*\*?|['\u2019]s\b|\S"
)
_CONTRACTION = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
# Words the engine would inflect into other words ("the" -> "thing", "will" -> "would"): taken as written.
_EXACT = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "and",
        "or",
        "nor",
        "not",
        "no",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "he",
        "she",
        "we",
        "you",
        "i",
        "than",
        "then",
        "so",
        "if",
        "but",
    ]
)
_UNSAYABLE = frozenset("()|?{}@=")
_MAX_FORMS = 256


@dataclass(frozen=True)
class Aliases:
    """Names that are one government token in the engine's analysis, for patterns to say so.

    ``certain``: always a government (the story's own entities, country names);
    ``maybe``: a government when some loaded story knows it ("French"), so the
    pattern takes the word or the token.
    """

    certain: Mapping[tuple[str, ...], str] = field(default_factory=dict)  # tokens -> "=eu.n"
    maybe: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    titles: frozenset[tuple[str, ...]] = frozenset()  # merged into a government before them
    longest: int = 1

    @classmethod
    def build(
        cls,
        certain: Mapping[str, tuple[str, str]],
        maybe: Mapping[str, tuple[str, str]],
        titles: frozenset[tuple[str, ...]],
    ) -> Aliases:
        def table(names: Mapping[str, tuple[str, str]]) -> dict[tuple[str, ...], str]:
            out = {}
            for name, (code, kind) in names.items():
                out[tuple(_tokens(name))] = f"={code.lower()}.{'a' if kind == 'adjective' else 'n'}"
            return out

        sure = table(certain)
        more = {k: v for k, v in table(maybe).items() if k not in sure}
        longest = max((len(k) for k in (*sure, *more)), default=1)
        return cls(sure, more, titles, longest)


def _tokens(text: str) -> list[str]:
    """``text`` cut as the engine cuts it, keeping case (aliases are matched with their case)."""
    out = []
    for tok in _TOKEN.findall(text):
        if tok.lower().endswith("n't") and len(tok) > 3:
            out += [_CONTRACTION.get(tok[:-3].lower(), tok[:-3]), "not"]
        elif tok.lower().endswith(("'s", "\u2019s")) and len(tok) > 2 and tok[-3].isalnum():
            out += [tok[:-2], "'s"]
        else:
            out.append(tok.replace("\u2019", "'"))
    return out


# -- reading the old syntax -----------------------------------------------------------------


@dataclass
class _Group:
    alts: list[list[object]]
    optional: bool = False

    def token_level(self) -> bool:
        return any(_token_level(alt) for alt in self.alts)


@dataclass
class _Opt:
    char: str


def _token_level(seq: Sequence[object]) -> bool:
    return any(
        n in ("space", "gap")
        or (isinstance(n, tuple) and n[0] == "slot")
        or (isinstance(n, _Group) and n.token_level())
        for n in seq
    )


def _parse(source: str, allowed: Sequence[str]) -> tuple[list[object], list[str]]:
    used: list[str] = []
    root = _Group([])  # "a|b" outside any group: one alternation
    stack: list[tuple[_Group, list[object]]] = [(root, [])]
    seq: list[object] = []
    text = source.strip()
    for tok in _LEX.finditer(text):
        kind, lexeme = tok.lastgroup, tok.group(tok.lastgroup or 0)
        if kind == "slot":
            if lexeme not in allowed:
                names = ", ".join("{" + n + "}" for n in allowed) or "no placeholders"
                raise ValueError(f"{source!r}: {{{lexeme}}} cannot be used here (allowed: {names})")
            if lexeme in used:
                raise ValueError(f"{source!r}: {{{lexeme}}} may appear only once")
            used.append(lexeme)
            seq.append(("slot", lexeme))
        elif kind in ("gap", "space", "optspace"):
            seq.append(kind)
        elif kind == "star":
            if tok.start() == 0 or not text[tok.start() - 1].isalnum():
                raise ValueError(f"{source!r}: '*' must end a word, as in 'negotiat*'")
            seq.append("*")
        elif kind == "syntax" and lexeme == "(":
            group = _Group([])
            stack.append((group, seq))
            seq = []
        elif kind == "syntax" and lexeme == "|":
            stack[-1][0].alts.append(seq)
            seq = []
        elif kind == "syntax" and lexeme == ")":
            if len(stack) == 1:
                raise ValueError(f"{source!r}: unbalanced parenthesis")
            group, outer = stack.pop()
            group.alts.append(seq)
            outer.append(group)
            seq = outer
        elif kind == "syntax":  # "?"
            if not seq or seq[-1] in ("space", "gap", "optspace") or isinstance(seq[-1], (_Opt, tuple)):
                raise ValueError(f"{source!r}: nothing to repeat")
            last = seq[-1]
            if isinstance(last, _Group):
                last.optional = True
            elif last == "*":
                raise ValueError(f"{source!r}: '?' after '*'")
            else:
                seq[-1] = _Opt(str(last))
        elif kind == "brace":
            raise ValueError(f"{source!r}: unbalanced '{lexeme}' (placeholders are written {{number}})")
        else:  # a character, escaped or not, or an apostrophe
            seq.append("'" if kind == "quote" else lexeme)
    if len(stack) > 1:
        raise ValueError(f"{source!r}: missing ), unterminated subpattern")
    root.alts.append(seq)
    return (root.alts[0] if len(root.alts) == 1 else [root]), used


# -- writing the engine's syntax ---------------------------------------------------------------


def _forms(seq: Sequence[object]) -> set[str]:
    """Every string a letter-level stretch spells out (" " where a space may be)."""
    out = {""}
    for node in seq:
        if isinstance(node, _Group):
            options = set().union(*(_forms(a) for a in node.alts)) | ({""} if node.optional else set())
        elif isinstance(node, _Opt):
            options = {"", node.char}
        elif node == "optspace":
            options = {"", " "}
        else:
            options = {str(node)}
        out = {a + b for a in out for b in options}
        if len(out) > _MAX_FORMS:
            raise ValueError("spells out too many forms; write fewer alternatives in one word")
    return out


class _Writer:
    def __init__(self, source: str, aliases: Aliases) -> None:
        self.source, self.aliases = source, aliases

    def sequence(self, seq: Sequence[object]) -> str:
        out: list[str] = []  # engine elements
        run: list[str] = []  # tokens of one fixed stretch, waiting for the alias scan
        unit: list[object] = []

        def flush_unit() -> None:
            if not unit:
                return
            forms = sorted({" ".join(f.split()) for f in _forms(unit)} - {""})
            unit.clear()
            if len(forms) == 1:
                run.extend(_tokens(forms[0]))
                return
            flush_run()
            plural = len(forms) == 2 and forms[1] in (forms[0] + "s", forms[0] + "es") and forms[0].isalpha()
            if plural:  # "tariffs?": the lemma; the engine inflects it
                out.append(self.words(_tokens(forms[0])))
            else:
                out.append("(" + " | ".join(dict.fromkeys(self.words(_tokens(f)) for f in forms)) + ")")

        def flush_run() -> None:
            if run:
                out.append(self.words(run, after_actor=bool(out) and out[-1] == "{subject}"))
                run.clear()

        for node in seq:
            if node == "space" or (node == "optspace" and not unit):
                flush_unit()
            elif node == "gap":
                flush_unit()
                flush_run()
                out.append("...")
            elif isinstance(node, tuple):
                flush_unit()
                flush_run()
                out.append("{" + node[1] + "}")
            elif isinstance(node, _Group) and node.token_level():
                flush_unit()
                flush_run()
                alts = [self.sequence(a) for a in node.alts]
                body = " | ".join(dict.fromkeys(a for a in alts if a))
                if not body:
                    continue
                optional = node.optional or any(not a for a in alts)
                out.append(f"({body}){'?' if optional else ''}")
            else:
                unit.append(node)
        flush_unit()
        flush_run()
        return " ".join(e for e in out if e)

    def words(self, tokens: Sequence[str], after_actor: bool = False) -> str:
        """A fixed stretch of tokens as engine elements: governments as their tokens."""
        out: list[str] = []
        i = 0
        actor_before = after_actor
        while i < len(tokens):
            if actor_before:  # "EU chief negotiator": the engine reads "EU chief" as the EU
                title = next(
                    (t for t in self.aliases.titles if tuple(w.lower() for w in tokens[i : i + len(t)]) == t),
                    None,
                )
                if title:
                    out.append("(" + " ".join(self.word(w) for w in tokens[i : i + len(title)]) + ")?")
                    i += len(title)
                    continue
            found = self.alias(tokens, i)
            if found:
                n, sure, token = found
                if sure:
                    out.append(token)
                else:
                    code = token.rsplit(".", 1)[0]  # a name or an adjective, as the other story has it
                    said = " ".join(self.word(w) for w in tokens[i : i + n])
                    out.append(f"({said} | {code}.n | {code}.a)")
                i += n
                actor_before = True
                continue
            out.append(self.word(tokens[i]))
            actor_before = False
            i += 1
        return " ".join(out)

    def alias(self, tokens: Sequence[str], i: int) -> tuple[int, bool, str] | None:
        for n in range(min(self.aliases.longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + n])
            variants = {key}
            if key[0][:1].isalpha():  # the first letter in either case: "the Commission", "The Commission"
                variants |= {(key[0][0].swapcase() + key[0][1:], *key[1:])}
            for k in variants:
                if k in self.aliases.certain:
                    return n, True, self.aliases.certain[k]
            for k in variants:
                if k in self.aliases.maybe:
                    return n, False, self.aliases.maybe[k]
        return None

    def word(self, token: str) -> str:
        low = token.lower()
        if low in _UNSAYABLE or low[0] in "@=":
            raise ValueError(f"{self.source!r}: {token!r} cannot be matched as a word")
        if low.isdigit():
            value = int(low)
            return f"=%{value}" if len(low) == 4 and 1900 <= value <= 2100 else f"=#{value}"
        if low in _EXACT:
            return "=" + low
        return low


def translate_pattern(
    source: str, allowed: Sequence[str], aliases: Aliases | None = None
) -> tuple[str, list[str]]:
    """One story pattern in the engine's syntax, and the placeholders it uses; ValueError says what is wrong."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError("must be a non-empty string")
    text = source.strip()
    if text.startswith("...") or text.endswith("..."):
        raise ValueError(f"{source!r}: '...' stands between two words")
    seq, used = _parse(source, allowed)
    try:
        translated = _Writer(source, aliases or Aliases()).sequence(seq)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if message.startswith(repr(source)) else f"{source!r}: {message}") from None
    if not translated:
        raise ValueError(f"{source!r}: no words to match")
    return translated, used
