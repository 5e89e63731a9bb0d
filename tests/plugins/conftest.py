"""Shared checks for the tests of the bundled story extractors."""

from __future__ import annotations

from datetime import datetime

from monitor import Claim, Extractor
from monitor.testing import make_article

PUBLISHED = datetime(2025, 10, 1)


def checked_claims(extractor: Extractor, text: str, title: str = "") -> list[Claim]:
    """What ``extractor`` claims from an article published on ``PUBLISHED``, after checking each claim.

    Every claim comes from ``extractor``, quotes the article as its evidence, has a
    confidence in [0, 1] and a value its fact declares; there is one claim per key.
    """
    article = make_article(text, title, published=PUBLISHED)
    found = extractor.extract_claims(article)
    specs = {spec.attribute: spec for spec in extractor.facts}
    for claim in found:
        assert isinstance(claim, Claim) and claim.extractor == extractor.name
        assert claim.evidence and (claim.evidence in article.text or claim.evidence in article.title)
        assert 0.0 <= claim.confidence <= 1.0
        assert specs[claim.attribute].check_value(claim.value) is None
    assert len({c.key for c in found}) == len(found), "one claim per key"
    return found
