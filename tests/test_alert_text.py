"""How an alert reads: subject, plain text, HTML, JSON payload and redaction."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import alert_text
from monitor.model import Alert, Article, Change
from monitor.redact import redact_text, redact_url

PUBLISHED = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)


def pledges(**overrides: object) -> Change:
    fields: dict = {
        "key": "coalition.coalition.troop_pledges",
        "change": "changed",
        "old": 26,
        "new": 27,
        "baseline": 26,
        "evidence": "27 of Ukraine's allies have now committed to sending troops.",
        "extractor": "coalition",
        "confidence": 0.9,
        "label": "countries pledging troops",
        "article": "a1",
    }
    fields.update(overrides)
    return Change(**fields)


def article(**overrides: object) -> Article:
    fields: dict = {
        "id": "a1",
        "title": "Allies pledge troops for Ukraine force",
        "text": "27 of Ukraine's allies have now committed to sending troops.",
        "url": "https://news.example.org/allies-pledge",
        "published": PUBLISHED,
        "outlet": "Example News",
    }
    fields.update(overrides)
    return Article(**fields)


def make_alert(*changes: Change, articles: list[Article] | None = None, **kwargs: object) -> Alert:
    arts = articles if articles is not None else [article()]
    return Alert(
        id=kwargs.pop("id", "alert_0123456789abcdef"),  # type: ignore[arg-type]
        channel="test",
        changes=list(changes) or [pledges()],
        articles={a.id: a for a in arts},
        outlets=kwargs.pop("outlets", {"coalition.coalition.troop_pledges": 3}),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


STANCE = Change(
    key="coalition.DE.troop_stance",
    change="changed",
    old="conditional",
    new="committed",
    baseline="conditional",
    direction="stronger",
    evidence="Berlin said it would send troops.",
    extractor="coalition",
    label="troop stance",
)
CO_CHAIRS = Change(
    key="coalition.coalition.co_chairs", change="changed", old=["FR", "GB"], new=["DE", "FR", "GB"]
)
DRONES = Change(
    key="russia.RU.drone_attack",
    change="event",
    new={"launched": 810, "intercepted": 747},
    label="drone attack",
    extractor="russia",
)


# -- subject --------------------------------------------------------------------


def test_subject_says_the_change() -> None:
    assert alert_text.subject(make_alert()) == "Coalition: countries pledging troops: 26 -> 27"


def test_subject_with_several_changes_names_the_first_and_counts_the_rest() -> None:
    subject = alert_text.subject(make_alert(pledges(), STANCE, DRONES))
    assert subject == "Coalition: countries pledging troops: 26 -> 27 (+2 more)"


def test_subject_of_a_country_fact_names_the_country_and_the_direction() -> None:
    assert (
        alert_text.subject(make_alert(STANCE))
        == "Coalition: troop stance (DE): conditional -> committed (stronger)"
    )


def test_subject_puts_the_topic_subject_in_capitals() -> None:
    change = Change(key="us_guarantees.US.backstop", change="new", new="conditional", label="backstop")
    assert alert_text.subject(make_alert(change)) == "US guarantees: backstop: conditional (new)"


def test_subject_falls_back_to_the_key_without_a_label() -> None:
    assert alert_text.subject(make_alert(CO_CHAIRS)) == "coalition.coalition.co_chairs: FR, GB -> DE, FR, GB"


def test_subject_of_an_event_renders_the_object() -> None:
    assert (
        alert_text.subject(make_alert(DRONES)) == "Russia: drone attack (RU): launched=810, intercepted=747"
    )


def test_subject_of_a_test_alert_says_so() -> None:
    assert alert_text.subject(make_alert(test=True)).startswith("[test] Coalition:")


@pytest.mark.parametrize(
    "value",
    [
        "Paris\r\nBcc: x@evil.example",
        "Paris\nBcc: x@evil.example",
        "Paris\x00\x1b[31m\u2028Bcc:",
        "Paris\u202eBcc",
    ],
)
def test_subject_is_one_line_without_control_characters(value: str) -> None:
    change = Change(
        key="coalition.coalition.headquarters", change="changed", old="Kyiv", new=value, label="hq"
    )
    subject = alert_text.subject(make_alert(change, change, change))
    assert "\r" not in subject and "\n" not in subject
    assert all(ord(ch) >= 32 and ch not in "\u2028\u2029\u202e\x7f" for ch in subject)
    assert subject.endswith("(+2 more)")


def test_subject_breaks_encoded_words_so_a_mailer_cannot_decode_them() -> None:
    change = Change(
        key="coalition.coalition.headquarters", change="new", new="=?UTF-8?Q?=0A?=Bcc: x@evil", label="hq"
    )
    subject = alert_text.subject(make_alert(change))
    assert "=?" not in subject and "UTF-8?Q?=0A?=Bcc: x@evil" in subject


def test_subject_is_truncated_but_keeps_the_count() -> None:
    change = pledges(new="x" * 1000)
    subject = alert_text.subject(make_alert(change, STANCE))
    assert len(subject) <= alert_text.SUBJECT_LIMIT
    assert subject.endswith("… (+1 more)")


# -- values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "not stated"),
        (27, "27"),
        (["DE", "FR", "GB"], "DE, FR, GB"),
        ([], "none"),
        ({"launched": 810, "intercepted": None}, "launched=810, intercepted=not stated"),
        (True, "yes"),
        (0.5, "0.5"),
        (float("nan"), "not stated"),
        ("open\nline", "open line"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert alert_text.format_value(value) == text


# -- plain text -------------------------------------------------------------------


def test_plain_text_carries_every_part_of_the_change() -> None:
    text = alert_text.plain_text(make_alert())
    for part in (
        "1 change detected.",
        "1. Coalition: countries pledging troops",
        "Changed: 26 -> 27",
        "Baseline: 26",
        'Evidence: "27 of Ukraine\'s allies have now committed to sending troops."',
        "Article: Allies pledge troops for Ukraine force",
        "Source: Example News, published 2025-11-04 10:00 UTC",
        "Link: https://news.example.org/allies-pledge",
        "Reported by 3 independent outlets",
        "Key: coalition.coalition.troop_pledges (extractor coalition, confidence 0.90)",
        "news-monitor alert alert_0123456789abcdef",
    ):
        assert part in text


def test_plain_text_lists_every_change_with_direction_and_baseline() -> None:
    text = alert_text.plain_text(make_alert(pledges(), STANCE, DRONES))
    assert "3 changes detected." in text
    assert "2. Coalition: troop stance (DE)\n   Changed: conditional -> committed (stronger)" in text
    assert "   Baseline: conditional" in text
    assert "3. Russia: drone attack (RU)\n   Event: launched=810, intercepted=747" in text
    # Without an article or a count, no article or outlet lines.
    assert text.count("Reported by") == 1 and text.count("Article:") == 1


def test_plain_text_does_not_present_non_web_links_as_links() -> None:
    text = alert_text.plain_text(make_alert(articles=[article(url="javascript:alert(1)")]))
    assert "Link: javascript" not in text
    assert "Link (not a web link, not opened): javascript:alert(1)" in text


def test_plain_text_of_a_new_fact_says_it_was_not_in_the_baseline() -> None:
    change = pledges(change="new", old=None, baseline=None)
    assert "Baseline: none (first report)" in alert_text.plain_text(make_alert(change))


# -- HTML -------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse_tags(document: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(document)
    return parser.tags


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "body",
    "p",
    "div",
    "h3",
    "strong",
    "table",
    "tr",
    "th",
    "td",
}
ALLOWED_TAGS |= {"q", "code", "small", "a"}

HOSTILE = article(
    title='<script>alert(1)</script><img src=x onerror="alert(2)">',
    outlet="<b>Outlet</b>",
    url="javascript:alert(3)",
)


def test_html_escapes_everything_from_articles() -> None:
    change = pledges(
        evidence='<img srcset="http:a<script>alert(4)</script>"> & "quotes"', new="<svg onload=x>"
    )
    document = alert_text.html(make_alert(change, articles=[HOSTILE]))
    tags = parse_tags(document)
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS - {"a"}
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "&lt;svg onload=x&gt;" in document
    assert "&amp; &quot;quotes&quot;" in document
    assert "<a " not in document  # a javascript: URL never becomes a link
    assert "link not opened: javascript:alert(3)" in document


def test_html_links_only_http_urls() -> None:
    document = alert_text.html(make_alert())
    links = [attrs["href"] for tag, attrs in parse_tags(document) if tag == "a"]
    assert links == ["https://news.example.org/allies-pledge"]
    assert ">Allies pledge troops for Ukraine force</a>" in document


@pytest.mark.parametrize(
    "url", ["data:text/html,<script>x</script>", "//evil.example/x", "/relative", " https://x.y/"]
)
def test_html_shows_other_urls_as_text(url: str) -> None:
    document = alert_text.html(make_alert(articles=[article(url=url)]))
    assert not [tag for tag, _ in parse_tags(document) if tag == "a"]


def test_html_carries_the_same_facts_as_the_text() -> None:
    document = alert_text.html(make_alert(pledges(), STANCE))
    for part in (
        "Coalition: countries pledging troops",
        "Changed: 26 -&gt; 27",
        "Changed: conditional -&gt; committed (stronger)",
        "3 independent outlets",
        "Example News, published 2025-11-04 10:00 UTC",
    ):
        assert part in document


# -- payload ----------------------------------------------------------------------


def test_payload_is_the_documented_versioned_document() -> None:
    data = alert_text.payload(make_alert())
    assert data == {
        "version": 1,
        "type": "monitor.changes",
        "id": "alert_0123456789abcdef",
        "test": False,
        "changes": [
            {
                "key": "coalition.coalition.troop_pledges",
                "label": "Coalition: countries pledging troops",
                "change": "changed",
                "old": 26,
                "new": 27,
                "baseline": 26,
                "direction": None,
                "evidence": "27 of Ukraine's allies have now committed to sending troops.",
                "extractor": "coalition",
                "confidence": 0.9,
                "outlets": 3,
                "article": {
                    "title": "Allies pledge troops for Ukraine force",
                    "outlet": "Example News",
                    "url": "https://news.example.org/allies-pledge",
                    "published": "2025-11-04T10:00:00+00:00",
                },
            }
        ],
    }
    json.dumps(data, allow_nan=False)


def test_payload_keeps_value_types_and_handles_missing_parts() -> None:
    naive = article(id="a2", published=datetime(2025, 11, 4, 12, 30), url="javascript:alert(1)")
    data = alert_text.payload(
        make_alert(
            STANCE,
            CO_CHAIRS,
            DRONES,
            pledges(article="a2", confidence=float("nan")),
            articles=[naive],
            test=True,
        )
    )
    assert data["test"] is True
    stance, chairs, drones, last = data["changes"]
    assert (stance["old"], stance["new"], stance["direction"]) == ("conditional", "committed", "stronger")
    assert chairs["new"] == ["DE", "FR", "GB"] and chairs["label"] == "coalition.coalition.co_chairs"
    assert drones["new"] == {"launched": 810, "intercepted": 747} and drones["article"] is None
    assert drones["outlets"] == 0
    assert last["article"]["url"] is None  # only http(s) links go out
    assert last["article"]["published"] == "2025-11-04T12:30:00+00:00"
    assert last["confidence"] is None
    json.dumps(data, allow_nan=False)


# -- summary (chat) ----------------------------------------------------------------


def test_summary_has_headline_evidence_source_and_link() -> None:
    text = alert_text.summary(make_alert(pledges(), DRONES))
    first, second = text.split("\n\n")
    assert first.splitlines() == [
        "Coalition: countries pledging troops: 26 -> 27",
        '"27 of Ukraine\'s allies have now committed to sending troops."',
        "Allies pledge troops for Ukraine force - Example News - 2025-11-04 10:00 UTC - 3 independent outlets",
        "https://news.example.org/allies-pledge",
    ]
    assert second.startswith("Russia: drone attack (RU): launched=810, intercepted=747")


# -- redaction (monitor.redact) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://u:p@hooks.example/services/T0/B0/XyZ?token=abc",
            "https://***@hooks.example/services/***?token=***",
        ),
        ("https://discord.com/api/webhooks/123/tok", "https://discord.com/api/***"),
        ("https://example.org/abc123token", "https://example.org/***"),
        ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/"),
        ("http://[::1]:80/a?x=1&y", "http://[::1]:80/a?x=***&***"),
        ("http://a.example/b#frag", "http://a.example/b#***"),
        ("https://a.example/x?abc123token&ok=1", "https://a.example/x?***&ok=***"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_removes_tokens_wherever_they_appear() -> None:
    url = "http://user:pa55word@127.0.0.1:9/hook/s3cr3tT0ken?token=abc123xyz"
    message = (
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
        f"/hook/s3cr3tT0ken?token=abc123xyz; see {url}; password pa55word; hunter22"
    )
    text = redact_text(message, urls=[url], secrets=["hunter22"])
    for secret in ("pa55word", "s3cr3tT0ken", "abc123xyz", "hunter22", "user:"):
        assert secret not in text
    assert "http://***@127.0.0.1:9/hook/***?token=***" in text
    # What is not secret stays readable.
    assert redact_text("POST /hook failed", urls=["http://127.0.0.1:1/hook"]) == "POST /hook failed"


# -- any text at all ----------------------------------------------------------------


VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(),
    st.lists(st.text(max_size=10), max_size=4),
    st.dictionaries(
        st.text(max_size=10), st.one_of(st.integers(), st.none(), st.text(max_size=10)), max_size=3
    ),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(title=st.text(), evidence=st.text(), label=st.text(max_size=50), url=st.text(max_size=60), new=VALUES)
def test_any_article_text_stays_text(title: str, evidence: str, label: str, url: str, new: object) -> None:
    change = pledges(label=label, evidence=evidence, new=new)
    alert = make_alert(change, change, articles=[article(title=title, url=url, outlet=title)])
    subject = alert_text.subject(alert)
    assert not any(unicodedata.category(ch) == "Cc" for ch in subject) and "=?" not in subject
    tags = parse_tags(alert_text.html(alert))
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert all(alert_text.is_web_link(attrs.get("href")) for tag, attrs in tags if tag == "a")
    json.dumps(alert_text.payload(alert), allow_nan=False)
    assert alert_text.plain_text(alert) and alert_text.summary(alert)
