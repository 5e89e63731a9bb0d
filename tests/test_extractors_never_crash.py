"""Any text at all: the story extractors return valid claims or nothing, and never raise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from monitor_plugins.coalition import CoalitionExtractor
from monitor_plugins.russia import RussiaExtractor
from monitor_plugins.us_guarantees import UsGuaranteesExtractor

from monitor import Claim
from monitor.testing import make_article

EXTRACTORS = (CoalitionExtractor(), UsGuaranteesExtractor(), RussiaExtractor())
SPECS = {(s.topic, s.attribute): s for e in EXTRACTORS for s in e.facts}

# Fragments of the story's language, so generated text often reaches deep into the patterns.
WORDS = [
    "Russia",
    "Ukraine",
    "Germany",
    "U.S.",
    "Mr.",
    "Sept.",
    "Putin",
    "Merz",
    "Berlin",
    "the Kremlin",
    "said",
    "would",
    "not",
    "send",
    "deploy",
    "troops",
    "soldiers",
    "ready",
    "open",
    "to",
    "only",
    "if",
    "when",
    "pledged",
    "committed",
    "co-chair",
    "coalition",
    "Coalition of the Willing",
    "force",
    "of",
    "up to",
    "15,000",
    "twenty-six",
    "26",
    "35",
    "a dozen",
    "drones",
    "fired",
    "launched",
    "intercepted",
    "shot down",
    "expelled",
    "diplomat",
    "British",
    "Estonian",
    "guarantees",
    "backstop",
    "legitimate targets",
    "talks",
    "negotiations",
    "headquarters",
    "in",
    "Paris",
    "could",
    "no",
    "ruled out",
    "years",
    "2019",
    "Gaza",
    ".",
    ",",
    ";",
    "!",
    "?",
    '"',
    "\u201c",
    "\u201d",
    "'",
    "-",
    "\u2013",
    "(",
    ")",
    "\n",
    "\n\n",
    "WARSAW (Sept 4) -",
    "\u0420\u043e\u0441\u0441\u0438\u044f",
    "\u4e2d\u56fd",
    "\x00",
    "\ufffd",
    "\U0001f600",
    " ",
]
story_text = st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join)
any_text = st.one_of(
    st.text(max_size=400), story_text, st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
)


def check(title: str, text: str) -> None:
    article = make_article(text, title, published=datetime(2025, 9, 4, tzinfo=UTC))
    for extractor in EXTRACTORS:
        claims = extractor.extract_claims(article)
        assert isinstance(claims, list)
        for claim in claims:
            assert isinstance(claim, Claim)
            assert claim.evidence and (claim.evidence in article.text or claim.evidence in article.title)
            assert 0.0 <= claim.confidence <= 1.0
            assert claim.extractor == extractor.name
            spec = SPECS[(claim.topic, claim.attribute)]
            assert spec.check_value(claim.value) is None, (claim, spec)
            assert spec.subjects is None or claim.subject in spec.subjects
            assert spec.subjects is not None or (len(claim.subject) == 2 and claim.subject.isupper())


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(st.just(""), story_text, st.text(max_size=80)), text=any_text)
def test_any_text_gives_valid_claims_or_nothing(title: str, text: str) -> None:
    check(title, text)


def test_empty_and_whitespace() -> None:
    for text in ("", " ", "\n\n\n", "\t"):
        check("", text)


@pytest.mark.slow
def test_huge_and_adversarial_inputs_stay_fast() -> None:
    started = datetime.now(UTC)
    for text in (
        "Germany will not send troops to Ukraine but France is ready to deploy soldiers though Italy said "
        * 2000,
        "one two three four five six seven eight nine ten twenty-six thousand " * 3000,
        "." * 100_000,
        "a-" * 100_000,
        "U.S. U.K. Mr. A. B. Sept. " * 10_000,
        '"' * 50_000 + "Russia fired 112 drones at Ukraine" + "'" * 50_000,
        "Russia fired 112 drones at Ukraine overnight and shot down 84 and " * 2000,
    ):
        check("Ukraine Russia", text)
    assert (datetime.now(UTC) - started).total_seconds() < 60
