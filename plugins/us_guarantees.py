"""United States security guarantees for Ukraine: what Washington offers, and on what terms.

The rules are data in ``coalition_story/us_guarantees.toml``: participation
(ruled_out < undecided < willing < committed), the backstop for the European
force (ruled_out < no_commitment < conditional < committed), US troops in
Ukraine, ceasefire monitoring, the term of the guarantee and the demands the US
makes of Europe. Every claim is the US government's (subject ``US``).
"""

from __future__ import annotations

from collections.abc import Callable

from monitor import Extractor, hookimpl
from monitor.rules import RuleExtractor

from .coalition_story import rules

TOPIC = "us_guarantees"
SUBJECT = "US"


class UsGuaranteesExtractor(RuleExtractor):
    """US participation, backstop, troops, ceasefire monitoring, term and demands."""

    def __init__(self) -> None:
        super().__init__(rules(TOPIC))


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(UsGuaranteesExtractor())
