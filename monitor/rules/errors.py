"""The rule engine's one error: a rule file that cannot be used."""

from __future__ import annotations

__all__ = ["RuleError"]


class RuleError(ValueError):
    """A rule file that cannot be used; one line: file, table, problem."""
