"""Russian reactions: foreign troops, the guarantees, negotiations, expulsions, drone attacks.

The rules are data in ``coalition_story/russia.toml``. Claims are under topic
``russia``, subject ``RU``: ``foreign_troops`` (accepts < rejects < threatens),
``guarantees`` (none, then accepts < conditional < rejects), ``negotiations``
(rejects < conditional < open), and the events ``expulsion``
(``{"country": code}``) and ``drone_attack`` (``{"launched": n, "intercepted": m or null}``).
A stance counts only when Russia speaks; an act whoever reports it.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor import Extractor, hookimpl
from monitor.rules import RuleExtractor

from .coalition_story import rules

TOPIC = "russia"


class RussiaExtractor(RuleExtractor):
    """Moscow's stances on troops, guarantees and talks; expulsions and drone attacks."""

    def __init__(self) -> None:
        super().__init__(rules(TOPIC))


@hookimpl
def register_extractors(register: Callable[[Extractor], None]) -> None:
    register(RussiaExtractor())
