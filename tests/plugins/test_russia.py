"""The Russia extractor on sentences written like wire copy (not the eval cases)."""

from __future__ import annotations

from typing import Any

import pytest
from monitor_plugins import russia
from monitor_plugins.russia import RussiaExtractor

from monitor import Extractor
from tests.plugins.conftest import checked_claims

EXTRACTOR = RussiaExtractor()


def claims(text: str, title: str = "") -> dict[str, Any]:
    found = checked_claims(EXTRACTOR, text, title)
    assert all(c.subject == "RU" and c.topic == "russia" for c in found)
    return {c.attribute: c.value for c in found}


def test_declares_the_whole_topic() -> None:
    specs = {spec.attribute: spec for spec in EXTRACTOR.facts}
    assert set(specs) == {"foreign_troops", "guarantees", "negotiations", "expulsion", "drone_attack"}
    assert specs["foreign_troops"].values == ("accepts", "rejects", "threatens")
    assert specs["guarantees"].values == ("none", "accepts", "conditional", "rejects")
    assert specs["negotiations"].values == ("rejects", "conditional", "open")
    assert specs["expulsion"].kind == specs["drone_attack"].kind == "event"
    assert specs["drone_attack"].type == "object" and all(
        s.subjects == ("RU",) and s.label for s in specs.values()
    )


def test_registers_through_the_hook() -> None:
    registered: list[Extractor] = []
    russia.register_extractors(registered.append)
    assert [e.name for e in registered] == ["russia"]


@pytest.mark.parametrize(
    ("text", "attribute", "value"),
    [
        (
            "Kremlin spokesman Dmitry Peskov said Russia would not accept the deployment of any European troops in Ukraine.",
            "foreign_troops",
            "rejects",
        ),
        (
            "Peskov said the deployment of foreign troops in Ukraine was unacceptable for Moscow.",
            "foreign_troops",
            "rejects",
        ),
        (
            "Medvedev said any Western peacekeepers in Ukraine would be legitimate targets for the Russian army.",
            "foreign_troops",
            "threatens",
        ),
        (
            "Russian Foreign Minister Sergei Lavrov said security guarantees for Ukraine must take into account Russia's interests.",
            "guarantees",
            "conditional",
        ),
        (
            "Moscow rejected the Western security guarantees for Ukraine as a pretext for NATO expansion.",
            "guarantees",
            "rejects",
        ),
        (
            "The Kremlin did not immediately respond to a request for comment on the security guarantees.",
            "guarantees",
            "none",
        ),
        ("The Kremlin said it remained open to negotiations with Kyiv.", "negotiations", "open"),
        (
            "Putin rejected peace talks with Zelenskyy, saying there was no point in negotiations.",
            "negotiations",
            "rejects",
        ),
        (
            "Lavrov said Russia would only negotiate if Ukraine withdrew from the four regions.",
            "negotiations",
            "conditional",
        ),
        (
            "Russia expelled two Moldovan diplomats on Tuesday in response to a similar move by Chisinau.",
            "expulsion",
            {"country": "MD"},
        ),
        (
            "Russia said on Friday it would expel a German diplomat in retaliation for Berlin's expulsion of a Russian envoy.",
            "expulsion",
            {"country": "DE"},
        ),
        (
            "Russia attacked Ukraine overnight with 458 drones and 45 missiles, Ukraine's air force said, adding that 402 drones and 41 missiles were shot down.",
            "drone_attack",
            {"launched": 458, "intercepted": 402},
        ),
        (
            "Russia launched 653 drones and 51 missiles at Ukraine overnight. Of those, 617 drones were shot down or suppressed, the air force said.",
            "drone_attack",
            {"launched": 653, "intercepted": 617},
        ),
        (
            "Russia launched 653 drones and 51 missiles at Ukraine overnight. The city's mayor said schools would stay shut.",
            "drone_attack",
            {"launched": 653, "intercepted": None},
        ),
        (
            "Moscow said on Monday it was expelling the British ambassador in a tit-for-tat move.",
            "expulsion",
            {"country": "GB"},
        ),
        (
            "Any Western units deployed in Ukraine will be considered legitimate military targets, Russia's foreign ministry said.",
            "foreign_troops",
            "threatens",
        ),
        (
            "Ukraine's air force said Russia launched 595 drones and 48 missiles overnight, and that air defences shot down 568 drones.",
            "drone_attack",
            {"launched": 595, "intercepted": 568},
        ),
        (
            "Russia launched ninety-two drones at Ukraine overnight, the air force said.",
            "drone_attack",
            {"launched": 92, "intercepted": None},
        ),
    ],
)
def test_russia_facts(text: str, attribute: str, value: object) -> None:
    assert claims(text).get(attribute) == value


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Zelenskyy said Putin was rejecting any talks and wanted to continue the war.", "negotiations"),
        ("NATO chief Mark Rutte said Russia had no veto over troops in Ukraine.", "foreign_troops"),
        ("Analysts say Moscow could reject the security guarantees.", "guarantees"),
        ("Poland expelled a Russian diplomat on Friday over sabotage allegations.", "expulsion"),
        ("Moscow condemned Latvia's decision to expel the Russian ambassador.", "expulsion"),
        ("Russia rejects foreign troops as a security guarantee for Ukraine.", "guarantees"),
        (
            "Estonia's foreign ministry summoned Russia's charge d'affaires over the airspace violation.",
            "expulsion",
        ),
        ("Russia expelled a Latvian diplomat in 2021 after a similar row.", "expulsion"),
        (
            "Russian air defences downed 112 Ukrainian drones over Russia overnight, the defence ministry said.",
            "drone_attack",
        ),
        ("Ukraine attacked Russian refineries with 120 drones overnight, Kyiv said.", "drone_attack"),
        (
            "Russia launched more than 6,000 drones at Ukraine in July, a record month, according to an AFP analysis.",
            "drone_attack",
        ),
    ],
)
def test_no_claim_from_others_or_other_things(text: str, absent: str) -> None:
    assert absent not in claims(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tesla said it would send 500 engineers to Berlin. Russia's economy grew 1% in the quarter.",
        "Sudan's army said it had shot down 40 drones launched by the RSF over Port Sudan.",
        "The Bolshoi Ballet will tour London; Moscow critics praised the new Swan Lake.",
    ],
)
def test_unrelated_news_yields_nothing(text: str) -> None:
    assert claims(text) == {}
