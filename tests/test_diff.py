from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.facts.decide import Known, KnownEvent, diff_claims
from monitor.model import Claim, FactSpec

STANCE = FactSpec(
    "coalition",
    "troop_stance",
    "state",
    "enum",
    values=("declines", "conditional", "open", "committed", "deployed"),
    ordered=True,
)
PLEDGES = FactSpec("coalition", "troop_pledges", "state", "int", label="Coalition: countries pledging troops")
DRONES = FactSpec("russia", "drone_attack", "event", "object")
SPECS = {
    "coalition.DE.troop_stance": STANCE,
    "coalition.PL.troop_stance": STANCE,
    "coalition.coalition.troop_pledges": PLEDGES,
    "russia.RU.drone_attack": DRONES,
}


def claim(key: str, value: object, confidence: float = 0.9) -> Claim:
    topic, subject, attribute = key.split(".")
    return Claim(topic, subject, attribute, value, "evidence", confidence, "x", "article-1")


def known() -> Known:
    return Known(
        state={"coalition.DE.troop_stance": "conditional", "coalition.coalition.troop_pledges": 26},
        baseline={"coalition.DE.troop_stance": "conditional", "coalition.coalition.troop_pledges": 26},
        events={"russia.RU.drone_attack": [KnownEvent({"launched": 112, "intercepted": 84}, None)]},
    )


def test_new_changed_corroborated_with_direction() -> None:
    result = diff_claims(
        [
            claim("coalition.DE.troop_stance", "committed"),
            claim("coalition.PL.troop_stance", "declines"),
            claim("coalition.coalition.troop_pledges", 26),
        ],
        known(),
        SPECS,
    )
    by_key = {c.key: c for c in result.changes}
    de = by_key["coalition.DE.troop_stance"]
    assert (de.change, de.old, de.new, de.baseline, de.direction) == (
        "changed",
        "conditional",
        "committed",
        "conditional",
        "stronger",
    )
    assert by_key["coalition.PL.troop_stance"].change == "new"
    assert [c.key for c in result.corroborations] == ["coalition.coalition.troop_pledges"]


def test_weaker_direction_and_label() -> None:
    k = known()
    change = diff_claims([claim("coalition.DE.troop_stance", "declines")], k, SPECS).changes[0]
    assert change.direction == "weaker"
    pledges = diff_claims([claim("coalition.coalition.troop_pledges", 27)], k, SPECS).changes[0]
    assert pledges.label == "Coalition: countries pledging troops" and pledges.direction is None


def test_known_is_updated_so_files_diff_in_order() -> None:
    k = known()
    first = diff_claims([claim("coalition.coalition.troop_pledges", 27)], k, SPECS)
    second = diff_claims([claim("coalition.coalition.troop_pledges", 27)], k, SPECS)
    third = diff_claims([claim("coalition.coalition.troop_pledges", 28)], k, SPECS)
    assert len(first.changes) == 1 and not second.changes
    assert (third.changes[0].old, third.changes[0].baseline) == (27, 26)


def test_events_are_new_unless_equivalent_and_close_in_time() -> None:
    k = known()
    now = datetime(2025, 9, 7, tzinfo=UTC)
    same = diff_claims(
        [claim("russia.RU.drone_attack", {"launched": 112, "intercepted": 84})], k, SPECS, when=now
    )
    assert not same.changes and same.corroborations
    new = diff_claims(
        [claim("russia.RU.drone_attack", {"launched": 810, "intercepted": 747})], k, SPECS, when=now
    )
    assert new.changes[0].change == "event"
    again = diff_claims(
        [claim("russia.RU.drone_attack", {"launched": 810, "intercepted": 747})],
        k,
        SPECS,
        when=now + timedelta(days=1),
    )
    assert not again.changes
    later = diff_claims(
        [claim("russia.RU.drone_attack", {"launched": 810, "intercepted": 747})],
        k,
        SPECS,
        when=now + timedelta(days=30),
    )
    assert later.changes and later.changes[0].change == "event"


def test_most_confident_claim_per_key_wins() -> None:
    result = diff_claims(
        [
            claim("coalition.DE.troop_stance", "open", 0.4),
            claim("coalition.DE.troop_stance", "committed", 0.8),
        ],
        known(),
        SPECS,
    )
    assert [c.new for c in result.changes] == ["committed"]


def test_unknown_keys_are_ignored() -> None:
    assert not diff_claims([claim("coalition.XX.bogus", 1)], known(), SPECS).changes


def test_json_form_matches_vocabulary() -> None:
    change = diff_claims([claim("coalition.coalition.troop_pledges", 27)], known(), SPECS).changes[0]
    assert change.as_json() == {
        "key": "coalition.coalition.troop_pledges",
        "change": "changed",
        "old": 26,
        "new": 27,
        "baseline": 26,
        "evidence": "evidence",
        "extractor": "x",
    }
