"""The baseline article yields exactly the facts of facts/baseline-expected.json.

The expected facts are written out here (a copy of the shared file) so the test
runs from a fresh clone; the seed is the project's own copy under config/baseline/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from monitor_plugins.coalition import CoalitionExtractor
from monitor_plugins.russia import RussiaExtractor
from monitor_plugins.us_guarantees import UsGuaranteesExtractor

from monitor import Claim
from monitor.testing import make_article

SEED = (
    Path(__file__).resolve().parents[1]
    / "plugins"
    / "coalition_story"
    / "baseline-2025-09-04-paris-coalition-summit.txt"
)

EXPECTED: list[tuple[str, str, Any, str]] = [
    ("coalition.coalition.members", "state", 35, "a group of 35 countries that support Ukraine"),
    (
        "coalition.coalition.troop_pledges",
        "state",
        26,
        "26 of Ukraine's allies have committed to sending troops",
    ),
    (
        "coalition.coalition.troop_total",
        "state",
        None,
        "He did not say how many troops would be involved in the guarantees.",
    ),
    (
        "coalition.coalition.co_chairs",
        "state",
        ["FR", "GB"],
        "France and Britain, which co-chair the coalition of the willing",
    ),
    (
        "coalition.FR.troop_stance",
        "state",
        "open",
        "have indicated they are open to deploying troops to Ukraine after the war ends",
    ),
    (
        "coalition.GB.troop_stance",
        "state",
        "open",
        "have indicated they are open to deploying troops to Ukraine after the war ends",
    ),
    (
        "coalition.DE.troop_stance",
        "state",
        "conditional",
        "Berlin said it would decide on a military commitment only when conditions were clear",
    ),
    (
        "coalition.IT.troop_stance",
        "state",
        "declines",
        "Meloni made clear she would not send troops to Ukraine",
    ),
    (
        "us_guarantees.US.participation",
        "state",
        "willing",
        "Washington had expressed willingness to be part of the plan",
    ),
    (
        "us_guarantees.US.backstop",
        "state",
        "no_commitment",
        "Trump has made no explicit commitment to go that far.",
    ),
    (
        "us_guarantees.US.demands",
        "state",
        ["pressure_china", "stop_russian_oil"],
        "Trump said Europe must stop purchasing Russian oil",
    ),
    (
        "russia.RU.foreign_troops",
        "state",
        "rejects",
        "Putin also ruled out the deployment of troops from NATO nations to Ukraine",
    ),
    ("russia.RU.guarantees", "state", "none", "There was no immediate reaction from Russian officials."),
    (
        "russia.RU.negotiations",
        "state",
        "conditional",
        'there was a chance to end the war in Ukraine via negotiations "if common sense prevails,"',
    ),
    ("russia.RU.expulsion", "event", {"country": "EE"}, "it was expelling an Estonian diplomat"),
    (
        "russia.RU.drone_attack",
        "event",
        {"launched": 112, "intercepted": 84},
        "Russia fired 112 strike and decoy drones across the country overnight Thursday",
    ),
]


def resolve(claims: list[Claim]) -> dict[str, Claim]:
    """The core's rule for several claims on one key in one article: highest confidence, then first in the text."""
    best: dict[str, Claim] = {}
    for claim in claims:
        if claim.key not in best or claim.confidence > best[claim.key].confidence:
            best[claim.key] = claim
    return best


@pytest.fixture(scope="module")
def baseline() -> tuple[str, dict[str, Claim], list[Claim]]:
    text = SEED.read_text(encoding="utf-8")
    article = make_article(text, "", published=None)
    claims = [
        c
        for e in (CoalitionExtractor(), UsGuaranteesExtractor(), RussiaExtractor())
        for c in e.extract_claims(article)
    ]
    return text, resolve(claims), claims


def test_baseline_has_exactly_the_expected_keys(baseline: tuple[str, dict[str, Claim], list[Claim]]) -> None:
    _, facts, _ = baseline
    assert sorted(facts) == sorted(key for key, *_ in EXPECTED)


@pytest.mark.parametrize(("key", "kind", "value", "evidence"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_baseline_fact(
    baseline: tuple[str, dict[str, Claim], list[Claim]], key: str, kind: str, value: Any, evidence: str
) -> None:
    text, facts, _ = baseline
    claim = facts[key]
    assert claim.value == value
    assert evidence in claim.evidence
    assert claim.evidence in text


def test_baseline_kinds_match_the_vocabulary(baseline: tuple[str, dict[str, Claim], list[Claim]]) -> None:
    _, facts, _ = baseline
    specs = {
        (s.topic, s.attribute): s
        for e in (CoalitionExtractor(), UsGuaranteesExtractor(), RussiaExtractor())
        for s in e.facts
    }
    for key, kind, _, _ in EXPECTED:
        claim = facts[key]
        spec = specs[(claim.topic, claim.attribute)]
        assert spec.kind == kind and spec.check_value(claim.value) is None


def test_extractors_emit_one_claim_per_key(baseline: tuple[str, dict[str, Claim], list[Claim]]) -> None:
    _, _, claims = baseline
    assert len(claims) == len({c.key for c in claims})
