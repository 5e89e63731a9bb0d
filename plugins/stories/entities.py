"""Entity lists: the codes a fact's subjects or items can be, and finding them in a sentence."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor import text as T

__all__ = ["COUNTRIES", "Entities", "fold", "with_coordinated"]

_CAPS = r"[A-Z][\w.'\u2019-]*"
_COUNTRYISH = rf"(?-i:(?:{_CAPS}[ \t]+){{0,3}}{_CAPS})"
_COORDINATION = re.compile(r"\s*(?:,|,?\s+and|,?\s*&|\s+as well as)\s+(?:the\s+)?$", re.I)


def fold(name: str) -> str:
    """An alias as compared: spaces and apostrophes normalised, case folded."""
    return " ".join(name.replace("\u2019", "'").split()).casefold()


def _alias_regex(alias: str) -> str:
    """Case-sensitive but for the first letter: "the Commission" matches "The Commission", "US" not "us"."""

    def literal(word: str) -> str:
        return "".join("['\u2019]" if ch in "'\u2019" else re.escape(ch) for ch in word)

    words = alias.split()
    first = words[0]
    head = (
        f"[{re.escape(first[0].upper())}{re.escape(first[0].lower())}]"
        if first[0].isalpha()
        else literal(first[0])
    )
    body = head + literal(first[1:]) + "".join(r"\s+" + literal(w) for w in words[1:])
    return rf"(?-i:(?<!\w){body}(?!\w))"


@dataclass(frozen=True)
class Entities:
    """One entity list: codes and their aliases, and whether countries count too."""

    codes: tuple[str, ...]
    aliases: Mapping[str, str]  # folded alias -> code
    countries: bool
    pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, codes: Mapping[str, Sequence[str]], countries: bool) -> Entities:
        aliases = {fold(a): code for code, names in codes.items() for a in names}
        ordered = sorted({a for names in codes.values() for a in names}, key=len, reverse=True)
        pattern = re.compile("|".join(_alias_regex(a) for a in ordered), re.I) if ordered else None
        return cls(tuple(codes), aliases, countries, pattern)

    @property
    def subject_regex(self) -> str:
        alternatives = [self.pattern.pattern] if self.pattern else []
        if self.countries:
            alternatives.append(_COUNTRYISH)
        return "(?P<subject>" + "|".join(alternatives) + ")"

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The subjects a FactSpec may accept; None when any country may come."""
        return None if self.countries else self.codes

    def mentions(
        self, text: str, start: int = 0, end: int | None = None, *, agents: bool = False
    ) -> list[tuple[int, int, str]]:
        """``(start, end, code)`` of every mention in ``text[start:end]``, in order.

        With ``agents`` a country named as a place ("in Paris") is left out.
        """
        end = len(text) if end is None else end
        found = []
        if self.pattern:
            found += [
                (m.start(), m.end(), self.aliases[fold(m.group(0))])
                for m in self.pattern.finditer(text, start, end)
            ]
        if self.countries:
            found += [
                (c.start, c.end, c.code)
                for c in T.find_countries(text, start, end)
                if not (agents and T.is_location(text, c))
            ]
        kept: list[tuple[int, int, str]] = []
        for mention in sorted(found, key=lambda f: (f[0], -f[1])):
            if not kept or mention[0] >= kept[-1][1]:  # an alias and a country on the same words count once
                kept.append(mention)
        return kept


# ``subject = "country"`` and ``items = "country"``: every country, no aliases of the story's own.
COUNTRIES = Entities.build({}, True)


def with_coordinated(sentence: str, found: list[tuple[int, int, str]], chosen: int) -> list[str]:
    """The chosen mention's code plus those coordinated before it ("the EU and the US")."""
    codes = [found[chosen][2]]
    index = chosen
    while index > 0 and _COORDINATION.fullmatch(sentence, found[index - 1][1], found[index][0]):
        index -= 1
        if found[index][2] not in codes:
            codes.insert(0, found[index][2])
    return codes
