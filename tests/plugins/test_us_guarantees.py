"""The US guarantees extractor on sentences written like wire copy (not the eval cases)."""

from __future__ import annotations

from typing import Any

import pytest
from monitor_plugins import us_guarantees
from monitor_plugins.us_guarantees import UsGuaranteesExtractor

from monitor import Extractor
from tests.plugins.conftest import checked_claims

EXTRACTOR = UsGuaranteesExtractor()


def claims(text: str, title: str = "") -> dict[str, Any]:
    found = checked_claims(EXTRACTOR, text, title)
    assert all(c.subject == "US" and c.topic == "us_guarantees" for c in found)
    return {c.attribute: c.value for c in found}


def test_declares_the_whole_topic() -> None:
    specs = {spec.attribute: spec for spec in EXTRACTOR.facts}
    assert set(specs) == {
        "participation",
        "backstop",
        "troops_in_ukraine",
        "ceasefire_monitoring",
        "term_years",
        "demands",
    }
    assert specs["backstop"].values == ("ruled_out", "no_commitment", "conditional", "committed")
    assert specs["participation"].values == ("ruled_out", "undecided", "willing", "committed")
    assert specs["ceasefire_monitoring"].values == ("none", "participates", "leads")
    assert all(s.subjects == ("US",) and s.kind == "state" and s.label for s in specs.values())
    assert all(s.ordered for s in specs.values() if s.type == "enum")


def test_registers_through_the_hook() -> None:
    registered: list[Extractor] = []
    us_guarantees.register_extractors(registered.append)
    assert [e.name for e in registered] == ["us_guarantees"]


@pytest.mark.parametrize(
    ("text", "attribute", "value"),
    [
        (
            "The United States will provide a backstop for the European reassurance force in Ukraine, Secretary of State Marco Rubio said.",
            "backstop",
            "committed",
        ),
        (
            "US President Donald Trump said the United States would back European security guarantees for Ukraine with air support.",
            "backstop",
            "committed",
        ),
        (
            "Witkoff said Washington was prepared to offer Ukraine Article 5-like guarantees, provided Kyiv agreed to a peace deal.",
            "backstop",
            "conditional",
        ),
        (
            "Washington has offered Kyiv security guarantees. They would only apply after Congress approves them, officials said.",
            "backstop",
            "conditional",
        ),
        (
            "European allies asked for a US backstop for their Ukraine force. The White House has not committed to one.",
            "backstop",
            "no_commitment",
        ),
        ("Vance ruled out a US backstop for any European force in Ukraine.", "backstop", "ruled_out"),
        (
            "The White House said the US was ready to contribute to security guarantees for Ukraine.",
            "participation",
            "willing",
        ),
        (
            "The US will not take part in any security guarantees for Ukraine, Vance said.",
            "participation",
            "ruled_out",
        ),
        (
            "Trump ruled out sending American troops to Ukraine but said the US would help from the air.",
            "troops_in_ukraine",
            "ruled_out",
        ),
        (
            "There will be no American boots on the ground in Ukraine, the White House said.",
            "troops_in_ukraine",
            "ruled_out",
        ),
        (
            "Trump has not ruled out sending US troops to Ukraine as part of a peace deal.",
            "troops_in_ukraine",
            "undecided",
        ),
        (
            "Washington said it would take part in monitoring the ceasefire in Ukraine.",
            "ceasefire_monitoring",
            "participates",
        ),
        (
            "A US-led ceasefire monitoring mission would oversee the truce in Ukraine, the statement said.",
            "ceasefire_monitoring",
            "leads",
        ),
        (
            "The United States has offered Ukraine a 20-year security guarantee, officials said.",
            "term_years",
            20,
        ),
        (
            "Trump demanded that European countries stop buying Russian oil to end the war in Ukraine.",
            "demands",
            ["stop_russian_oil"],
        ),
        (
            "Trump told NATO allies they must stop buying Russian oil and impose tariffs of up to 100% on China over the war in Ukraine.",
            "demands",
            ["pressure_china", "stop_russian_oil"],
        ),
    ],
)
def test_us_facts(text: str, attribute: str, value: object) -> None:
    assert claims(text).get(attribute) == value


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Analysts expect Washington to offer a backstop for the Ukraine force.", "backstop"),
        (
            "Zelenskyy said Kyiv wanted security guarantees lasting 30 years from the United States.",
            "term_years",
        ),
        ("The US offered guarantees of 10 to 15 years for Ukraine, officials said.", "term_years"),
        ("Britain and Ukraine signed a 100-year partnership on security.", "term_years"),
        ("Macron called on China to pressure Russia to end the war in Ukraine.", "demands"),
        (
            "Macron said Europe and the United States agreed to work on sanctions against China and Russian oil over Ukraine.",
            "demands",
        ),
        ("The US role in the Ukraine guarantees is still open, diplomats said.", "participation"),
        ("Italy said it was open to monitoring a ceasefire in Ukraine.", "ceasefire_monitoring"),
    ],
)
def test_no_claim_from_speculation_requests_or_others(text: str, absent: str) -> None:
    assert absent not in claims(text)


def test_gaza_is_another_story() -> None:
    text = (
        "Several countries pledged troops to the Gaza stabilisation force, while Washington said no U.S. troops "
        "will deploy inside Gaza and the US will lead the monitoring of the Gaza ceasefire."
    )
    assert claims(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "The Lakers beat the Celtics 112-108; LeBron James scored 30 points in Los Angeles.",
        "Washington state offered a 15-year guarantee on new bridges, officials said.",
        "Trump said the Fed must cut rates and China must buy more soybeans.",
    ],
)
def test_unrelated_news_yields_nothing(text: str) -> None:
    assert claims(text) == {}


@pytest.mark.parametrize(
    ("text", "attribute", "value"),
    [
        (
            "Officials in Washington said the United States would extend guarantees to Kyiv as part of a peace plan.",
            "backstop",
            "conditional",
        ),
        (
            "The White House told Kyiv that American guarantees depend on Ukraine ceding the Donbas, according to the "
            "report, and are contingent on its withdrawal from the region.",
            "backstop",
            "conditional",
        ),
        (
            "Allies agreed to set up a ceasefire verification mechanism for Ukraine under US leadership.",
            "ceasefire_monitoring",
            "leads",
        ),
        (
            "Washington has offered Kyiv a 12-year security guarantee as part of the draft plan, officials said.",
            "term_years",
            12,
        ),
        (
            "Trump told the Europeans they must stop buying Russian oil. He also said they should put tariffs on China "
            "over the war in Ukraine.",
            "demands",
            ["pressure_china", "stop_russian_oil"],
        ),
    ],
)
def test_us_facts_in_rules(text: str, attribute: str, value: object) -> None:
    assert claims(text).get(attribute) == value


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Zelenskyy offered Trump a deal on guarantees for Ukraine lasting 40 years.", "term_years"),
        ("Trump said the European guarantees for Ukraine would be part of a peace deal.", "backstop"),
        (
            "The talks in Geneva focused on security guarantees for Ukraine and territory, US officials said.",
            "backstop",
        ),
        (
            "Kyiv was to receive guarantees from the US, Russia, China and Britain under the 2022 Ukraine draft.",
            "backstop",
        ),
    ],
)
def test_no_claim_from_others_or_topics(text: str, absent: str) -> None:
    assert absent not in claims(text)
