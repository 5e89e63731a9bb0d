"""The coalition extractor on sentences written like wire copy (not the eval cases)."""

from __future__ import annotations

from typing import Any

import pytest
from monitor_plugins import coalition
from monitor_plugins.coalition import CoalitionExtractor

from monitor import Extractor
from tests.plugins.conftest import checked_claims

EXTRACTOR = CoalitionExtractor()


def claims(text: str, title: str = "") -> dict[str, Any]:
    return {c.key: c.value for c in checked_claims(EXTRACTOR, text, title)}


def test_declares_the_whole_topic() -> None:
    specs = {spec.attribute: spec for spec in EXTRACTOR.facts}
    assert set(specs) == {
        "members",
        "troop_pledges",
        "troop_total",
        "co_chairs",
        "headquarters",
        "troop_stance",
    }
    assert specs["troop_stance"].values == ("declines", "conditional", "open", "committed", "deployed")
    assert specs["troop_stance"].ordered and specs["troop_stance"].subjects is None
    assert specs["troop_total"].nullable and specs["members"].subjects == ("coalition",)
    assert all(spec.topic == "coalition" and spec.kind == "state" and spec.label for spec in specs.values())


def test_registers_through_the_hook() -> None:
    registered: list[Extractor] = []
    coalition.register_extractors(registered.append)
    assert [e.name for e in registered] == ["coalition"]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        (
            "Spain will not send troops to Ukraine, Prime Minister Pedro Sanchez said on Monday.",
            "ES",
            "declines",
        ),
        ("Hungary will not participate in any military mission in Ukraine, Orban said.", "HU", "declines"),
        (
            "Japan will not deploy troops to Ukraine, the government said, but will fund demining.",
            "JP",
            "declines",
        ),
        ("Italy's Meloni rules out sending troops to Ukraine", "IT", "declines"),
        (
            "Romania said it would only send troops to Ukraine if the United States provided a backstop.",
            "RO",
            "conditional",
        ),
        (
            "Finland has yet to decide whether to send troops to Ukraine, President Alexander Stubb said.",
            "FI",
            "conditional",
        ),
        (
            "The Dutch government said it was ready to contribute soldiers to a multinational force in Ukraine.",
            "NL",
            "open",
        ),
        ("Norway said it was prepared to put soldiers on the ground in Ukraine.", "NO", "open"),
        ("Turkey ready to take part in Ukraine peacekeeping mission, Erdogan says", "TR", "open"),
        (
            "Sweden has pledged to send troops to Ukraine once a peace deal is agreed, its defence minister said.",
            "SE",
            "committed",
        ),
        (
            "French troops will be deployed to Ukraine in the days after any ceasefire, Macron said.",
            "FR",
            "committed",
        ),
        ("Starmer said Britain would deploy troops to Ukraine after a ceasefire.", "GB", "committed"),
    ],
)
def test_troop_stance(text: str, key: str, value: str) -> None:
    assert claims(text).get(f"coalition.{key}.troop_stance") == value


@pytest.mark.parametrize(
    "text",
    [
        "Denmark would consider sending troops to Ukraine, analysts said.",
        "Opposition leaders in Germany urged Berlin to rule out sending troops to Ukraine.",
        "British troops are expected to lead the force in Ukraine.",
        "Macron said he hoped Germany would send troops to Ukraine.",
        "Macron urged Italy to send troops to Ukraine.",
        "Macron said 26 countries had pledged to deploy troops to Ukraine.",
        "Germany deployed a brigade to Lithuania after talks about Ukraine, the Bundeswehr said.",
        "Kremlin said Russia would send more troops to Ukraine's east.",
        "Israel said it would send troops into Gaza City, as 20 countries pledged troops to a force for Gaza.",
    ],
)
def test_no_stance_from_speculation_others_or_elsewhere(text: str) -> None:
    assert not [k for k in claims(text) if k.endswith(".troop_stance")]


def test_declines_tied_to_a_condition_is_conditional() -> None:
    text = "Belgium will not send troops to Ukraine without a US backstop, its prime minister said."
    assert claims(text)["coalition.BE.troop_stance"] == "conditional"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        (
            "Twenty-six countries pledged on Thursday to deploy troops to Ukraine as part of a reassurance force.",
            "troop_pledges",
            26,
        ),
        (
            "Thirty countries have now committed to contributing troops or other assets to the Ukraine force.",
            "troop_pledges",
            30,
        ),
        ("Macron said 26 countries had committed to the reassurance force for Ukraine.", "troop_pledges", 26),
        (
            "The Coalition of the Willing, which now has 36 members, met in London to discuss Ukraine.",
            "members",
            36,
        ),
        ("Leaders of the 31-nation coalition backing Ukraine met by video link.", "members", 31),
        ("Britain and France plan a force of about 10,000 troops for Ukraine.", "troop_total", 10000),
        (
            "Europe is planning a 25,000-strong force for post-war Ukraine, diplomats said.",
            "troop_total",
            25000,
        ),
        (
            "Officials did not give a figure for the number of troops in the multinational force for Ukraine.",
            "troop_total",
            None,
        ),
        (
            "The multinational force will be headquartered in Paris, with a forward command in Kyiv.",
            "headquarters",
            "Paris",
        ),
        (
            "Germany and Italy joined France and Britain as co-chairs of the Coalition of the Willing for Ukraine.",
            "co_chairs",
            ["DE", "FR", "GB", "IT"],
        ),
    ],
)
def test_coalition_facts(text: str, key: str, value: object) -> None:
    assert claims(text)[f"coalition.coalition.{key}"] == value


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        (
            "More than 30 countries attended the meeting of the Coalition of the Willing on Ukraine.",
            "members",
        ),
        ("Leaders from 27 countries attended the Ukraine summit in person.", "troop_pledges"),
        ("Twenty-six countries agreed to provide security guarantees for Ukraine.", "troop_pledges"),
        ("Britain said the force for Ukraine could number between 10,000 and 30,000 troops.", "troop_total"),
        ("The force for Ukraine would number 10,000 to 30,000 troops, officials said.", "troop_total"),
        (
            "Russia has amassed a force of 50,000 troops near Pokrovsk, Ukrainian officials said.",
            "troop_total",
        ),
        (
            "The drone coalition for Ukraine, co-led by Latvia and Britain, delivered 30,000 drones.",
            "co_chairs",
        ),
        ("NATO's headquarters in Brussels hosted defence ministers to discuss Ukraine.", "headquarters"),
        (
            "The coalition could one day be co-chaired by Germany and Poland, analysts said of Ukraine.",
            "co_chairs",
        ),
    ],
)
def test_no_coalition_fact_from_attendance_ranges_or_other_groups(text: str, absent: str) -> None:
    assert f"coalition.coalition.{absent}" not in claims(text)


def test_headline_carries_the_news() -> None:
    found = claims(
        "Leaders spoke after the meeting.", title="Canada ready to send troops to Ukraine, Carney says"
    )
    assert found == {"coalition.CA.troop_stance": "open"}


def test_strongest_claim_wins_within_an_article() -> None:
    text = (
        "Germany is open to sending troops to Ukraine, Merz said. "
        "But Berlin said it would decide on any deployment only when the conditions were clear."
    )
    assert claims(text)["coalition.DE.troop_stance"] == "conditional"


@pytest.mark.parametrize(
    "text",
    [
        "Germany beat Italy 2-1 in Rome on Saturday, with Musiala scoring twice. France will host the next round.",
        "Apple said it would deploy new chips across 26 countries, as Samsung pledged to send engineers to Texas.",
        "Canada's wildfire season ended early; Ottawa said 5,000 firefighters would be sent home.",
    ],
)
def test_unrelated_news_yields_nothing(text: str) -> None:
    assert claims(text) == {}


def test_older_years_are_background() -> None:
    text = "In 2022, Poland said it would not send troops to Ukraine."
    assert claims(text) == {}
