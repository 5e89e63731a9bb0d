"""The Coalition of the Willing story: its rules as data, read by the core's rule engine.

``coalition.toml``, ``us_guarantees.toml`` and ``russia.toml`` hold the three
threads; ``common.toml`` the governments, words and contexts they share. The
plugin modules ``monitor_plugins.coalition``, ``.us_guarantees`` and
``.russia`` each register one ``RuleExtractor``. Adding a phrasing or a
country is an edit to one of these files, with its example.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from monitor.rules import RuleSet, load_rules

__all__ = ["BASELINE_ARTICLE", "RULE_FILES", "baseline_path", "relevant", "rules", "rules_path"]

RULE_FILES = ("coalition", "us_guarantees", "russia")
# The story's baseline: the article of the Paris summit of 4 September 2025, shipped as package data.
BASELINE_ARTICLE = "baseline-2025-09-04-paris-coalition-summit.txt"


def baseline_path() -> Path:
    return Path(str(resources.files(__name__).joinpath(BASELINE_ARTICLE)))


def relevant(text: str) -> bool:
    """An article concerns the story when one of its threads finds it relevant."""
    return any(rules(thread).relevant(text) for thread in RULE_FILES)


def rules_path(thread: str) -> Path:
    return Path(str(resources.files(__name__).joinpath(f"{thread}.toml")))


@cache
def rules(thread: str) -> RuleSet:
    """The compiled rules of one thread, read once per process."""
    return load_rules(rules_path(thread))
