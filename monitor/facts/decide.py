"""Claims against what is known: which are changes, which corroborate.

Pure functions over plain data; the store loads ``Known`` and saves the result.

State facts have one current value: a key never seen is ``new``, a different
value is ``changed``, the same value corroborates. Event facts are
append-only: a claim is a new ``event`` unless an equivalent one (the same
value, close in time) is already known.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from ..config import PolicyRule
from ..model import Article, Change, Claim, FactSpec

__all__ = [
    "Decision",
    "DiffResult",
    "Known",
    "KnownEvent",
    "decide",
    "diff_claims",
    "pick_claims",
    "rule_for",
    "value_fingerprint",
]

# Two reports of an equal event this close in time are the same event.
EVENT_WINDOW = timedelta(days=3)


def value_fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class KnownEvent:
    value: Any
    when: datetime | None


@dataclass
class Known:
    """Baseline plus accepted changes, restricted to the keys a diff needs."""

    state: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    events: dict[str, list[KnownEvent]] = field(default_factory=dict)

    def add_baseline(self, key: str, kind: str, value: Any) -> None:
        if kind == "event":
            self.events.setdefault(key, []).append(KnownEvent(value, None))
        else:
            self.state[key] = self.baseline[key] = value

    def apply(self, change: Change, when: datetime | None = None) -> None:
        """Make an accepted change part of what is known."""
        if change.change == "event":
            self.events.setdefault(change.key, []).append(KnownEvent(change.new, when))
        elif change.change in ("new", "changed"):
            self.state[change.key] = change.new

    def has_event(self, key: str, value: Any, when: datetime | None) -> bool:
        target = value_fingerprint(value)
        for event in self.events.get(key, ()):
            if value_fingerprint(event.value) != target:
                continue
            if event.when is None or when is None or abs(event.when - when) <= EVENT_WINDOW:
                return True
        return False


@dataclass
class DiffResult:
    changes: list[Change] = field(default_factory=list)
    corroborations: list[Claim] = field(default_factory=list)


def pick_claims(claims: Iterable[Claim]) -> list[Claim]:
    """One claim per state key from one article: the most confident, the first on a tie.

    Event claims are all kept (one article may report two expulsions), but
    equal ones collapse.
    """
    best: dict[str, Claim] = {}
    events: dict[tuple[str, str], Claim] = {}
    for claim in claims:
        if isinstance(claim.value, dict):
            events.setdefault((claim.key, value_fingerprint(claim.value)), claim)
        elif claim.key not in best or claim.confidence > best[claim.key].confidence:
            best[claim.key] = claim
    return [*best.values(), *events.values()]


def diff_claims(
    claims: Sequence[Claim],
    known: Known,
    specs: Mapping[str, FactSpec],
    *,
    when: datetime | None = None,
) -> DiffResult:
    """Compare one article's claims with ``known``. ``specs`` maps a key to its FactSpec.

    ``known`` is updated as changes are found, so several articles can be
    diffed in order against the same object.
    """
    result = DiffResult()
    for claim in pick_claims(claims):
        spec = specs.get(claim.key)
        if spec is None:
            continue
        common = {
            "key": claim.key,
            "new": claim.value,
            "baseline": known.baseline.get(claim.key),
            "evidence": claim.evidence,
            "extractor": claim.extractor,
            "confidence": claim.confidence,
            "label": spec.label,
            "article": claim.article,
        }
        if spec.kind == "event":
            if known.has_event(claim.key, claim.value, when):
                result.corroborations.append(claim)
                continue
            change = Change(change="event", **common)
        elif claim.key not in known.state:
            change = Change(change="new", **common)
        else:
            old = known.state[claim.key]
            if value_fingerprint(old) == value_fingerprint(claim.value):
                result.corroborations.append(claim)
                continue
            change = Change(change="changed", old=old, direction=spec.direction(old, claim.value), **common)
        known.apply(change, when)
        result.changes.append(change)
    return result


# -- the decision: diff plus the policy's quorum -----------------------------------

DEFAULT_RULE = PolicyRule("*")
ChangeStatus = Literal["accepted", "pending", "disputed"]


@dataclass(frozen=True)
class Decision:
    """What to store for one change: its status, and whether it is alerted."""

    change: Change
    status: ChangeStatus
    alert: bool


def rule_for(policy: Sequence[PolicyRule], key: str) -> PolicyRule:
    """The first rule whose glob (or topic name) matches ``key``."""
    for rule in policy:
        if fnmatch.fnmatchcase(key, rule.match) or key.startswith(rule.match + "."):
            return rule
    return DEFAULT_RULE


def decide(
    articles: Sequence[tuple[Article, Sequence[Claim]]],
    known: Known,
    specs: Mapping[str, FactSpec],
    policy: Sequence[PolicyRule],
    outlets: Callable[[str, Any], int],
    *,
    now: datetime,
) -> list[Decision]:
    """Each article's claims against ``known``, oldest article first, under the policy.

    Touches nothing but its arguments: ``outlets(key, value)`` says how many
    distinct outlets report a value (the store counts, these articles'
    claims included). With a quorum above one, a change is accepted only
    once that many outlets report the value; until then a contradicting
    report is ``disputed`` (alerted if the rule says so) and a new key waits
    as ``pending``.
    """
    decisions: list[Decision] = []
    for article, claims in sorted(articles, key=lambda item: item[0].published or now):
        for change in diff_claims(claims, known, specs, when=article.published).changes:
            rule = rule_for(policy, change.key)
            status: ChangeStatus = "accepted"
            if change.change != "event" and rule.quorum > 1 and outlets(change.key, change.new) < rule.quorum:
                status = "disputed" if change.change == "changed" else "pending"
                if status == "disputed":
                    change = replace(change, change="disputed")
            alert = status == "accepted" or (status == "disputed" and rule.disputed)
            decisions.append(Decision(change, status, alert))
    return decisions
