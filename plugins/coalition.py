"""Coalition of the Willing: who pledges troops for Ukraine, how many, and who leads.

The rules are data in ``coalition_story/coalition.toml``: members, troop
pledges, the size of the force, co-chairs, headquarters and each country's
troop stance (declines < conditional < open < committed < deployed).
"""

from __future__ import annotations

from collections.abc import Callable

from monitor import Extractor, hookimpl
from monitor.rules import RuleExtractor

from .coalition_story import rules

TOPIC = "coalition"
STANCES = tuple(next(f for f in rules(TOPIC).facts if f.attribute == "troop_stance").values)


class CoalitionExtractor(RuleExtractor):
    """Troop pledges, force size, co-chairs, headquarters and national stances."""

    def __init__(self) -> None:
        super().__init__(rules(TOPIC))


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(CoalitionExtractor())
