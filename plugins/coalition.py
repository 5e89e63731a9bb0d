"""Coalition of the Willing: who pledges troops for Ukraine, how many, and who leads.

The rules are data in ``coalition_story/coalition.toml``: members, troop
pledges, the size of the force, co-chairs, headquarters and each country's
troop stance (declines < conditional < open < committed < deployed).
"""

from __future__ import annotations

from collections.abc import Callable

from monitor import Extractor, Story, hookimpl
from monitor.rules import RuleExtractor

from .coalition_story import RULE_FILES, baseline_path, relevant, rules

TOPIC = "coalition"
STORY = Story(
    name="coalition",
    title="Coalition of the Willing: security guarantees for Ukraine",
    topics=RULE_FILES,
    baseline=(baseline_path(),),
    terms=("Coalition of the Willing", "security guarantees", "Ukraine"),
    relevance=relevant,
)
STANCES = tuple(next(f for f in rules(TOPIC).facts if f.attribute == "troop_stance").values)


class CoalitionExtractor(RuleExtractor):
    """Troop pledges, force size, co-chairs, headquarters and national stances."""

    def __init__(self) -> None:
        super().__init__(rules(TOPIC))


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(CoalitionExtractor())


@hookimpl
def register_stories(register: Callable[[Story], None]) -> None:
    """The story the three threads (coalition, us_guarantees, russia) follow together."""
    register(STORY)
