"""parse_feed: feed bytes to Articles, and every bad input the checklist names.

Checklist items covered here: 10-15 (billion laughs, external entities,
feedparser crash inputs, charset lies, not-a-feed, GUID chaos), 18 (caps),
19 (bad dates) and 20 (relative, protocol-relative and data: links).
"""

from __future__ import annotations

import os
import pyexpat
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import FetchError
from monitor.ingest.html import html_to_text
from monitor.ingest.identity import article_id, guid_identity, identity_keys
from monitor.ingest.parse import ParsedFeed, expat_warning, parse_feed
from monitor.model import Article

FETCHED = datetime(2025, 9, 5, 12, 0, tzinfo=UTC)
FEED_URL = "https://news.example.org/feeds/world.xml"


def parse(body: bytes, headers: dict[str, str] | None = None, **options: Any) -> ParsedFeed:
    defaults = {
        "feed": "world",
        "url": FEED_URL,
        "fetched": FETCHED,
        "outlet": None,
        "max_entries": 500,
        "max_field_chars": 20_000,
    }
    return parse_feed(body, headers or {}, **(defaults | options))


def item(
    title: str | None = "Title",
    *,
    link: str | None = None,
    guid: str | None = None,
    description: str | None = "Text.",
    date: str | None = None,
) -> str:
    parts = [
        f"<title>{title}</title>" if title is not None else "",
        f"<link>{link}</link>" if link is not None else "",
        f'<guid isPermaLink="false">{guid}</guid>' if guid is not None else "",
        f"<description>{description}</description>" if description is not None else "",
        f"<pubDate>{date}</pubDate>" if date is not None else "",
    ]
    return "<item>" + "".join(parts) + "</item>"


def rss(
    *items: str, title: str = "Example News", prolog: str = '<?xml version="1.0" encoding="utf-8"?>'
) -> bytes:
    channel = f"<title>{title}</title><link>https://news.example.org/</link>{''.join(items)}"
    return f'{prolog}\n<rss version="2.0"><channel>{channel}</channel></rss>'.encode()


def keys_of(articles: list[Article]) -> list[str]:
    return [key for article in articles for key in identity_keys(article)]


def assert_sound(parsed: ParsedFeed) -> None:
    """What every caller may rely on, whatever the feed."""
    assert parsed.articles
    assert len({a.id for a in parsed.articles}) == len(parsed.articles)
    assert len(set(keys_of(parsed.articles))) == len(keys_of(parsed.articles)), (
        "two articles share a dedup key"
    )
    for article in parsed.articles:
        assert len(article.id) == 64
        assert article.published is not None and article.published.utcoffset() == timedelta(0)
        assert article.fetched == FETCHED
        assert "<script" not in article.text.lower()
        assert all(len(key) <= 64 for key in identity_keys(article))


# --- mapping -----------------------------------------------------------------------------------------


def test_rss_entry_becomes_an_article() -> None:
    body = rss(
        item(
            "  Leaders   meet\nin Paris ",
            link="/world/paris-summit?utm_source=rss&amp;id=4",
            guid="urn:example:4",
            description="&lt;p&gt;Twenty-six countries&lt;/p&gt;&lt;p&gt;pledged troops.&lt;/p&gt;"
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;style&gt;p{}&lt;/style&gt;",
            date="Thu, 04 Sep 2025 18:30:00 +0200",
        )
    )
    parsed = parse(body)
    assert (parsed.title, parsed.warning, parsed.unstable_ids, parsed.truncated) == (
        "Example News",
        None,
        False,
        0,
    )
    [article] = parsed.articles
    assert article.title == "Leaders meet in Paris"
    assert article.text == "Twenty-six countries pledged troops."
    assert article.url == "https://news.example.org/world/paris-summit?id=4"
    assert article.guid == "urn:example:4"
    assert article.id == article_id("urn:example:4")
    assert article.published == datetime(2025, 9, 4, 16, 30, tzinfo=UTC)
    assert (article.feed, article.outlet, article.fetched) == ("world", "Example News", FETCHED)
    assert identity_keys(article) == [
        "g:" + article_id("urn:example:4")[:62],
        "u:" + article_id("https://news.example.org/world/paris-summit?id=4")[:62],
    ]


def test_configured_outlet_wins_over_the_feed_title() -> None:
    [article] = parse(rss(item()), outlet="Le Monde").articles
    assert article.outlet == "Le Monde"


def test_longer_of_content_and_summary_is_the_text() -> None:
    body = (
        b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        b"<item><title>A</title><description>Short teaser.</description>"
        b"<content:encoded><![CDATA[<p>Short teaser.</p><p>The <b>full</b> story, with more.</p>]]>"
        b"</content:encoded></item></channel></rss>"
    )
    [article] = parse(body).articles
    assert article.text == "Short teaser. The full story, with more."


def test_atom_with_xml_base_and_relative_links() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://other.example.com/base/">
      <title>Atom News</title>
      <entry><title>One</title><id>tag:example.com,2025:1</id><link href="story/1"/>
        <updated>2025-09-04T10:00:00Z</updated><content type="html">&lt;b&gt;x&lt;/b&gt; y</content></entry>
      <entry xml:base="/deep/"><title>Two</title><id>tag:example.com,2025:2</id><link href="2?ocid=rss"/></entry>
    </feed>"""
    one, two = parse(body).articles
    assert (one.url, one.text, one.published) == (
        "https://other.example.com/base/story/1",
        "x y",
        datetime(2025, 9, 4, 10, tzinfo=UTC),
    )
    assert two.url == "https://other.example.com/deep/2"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/world/1", "https://news.example.org/world/1"),
        ("world/2", "https://news.example.org/feeds/world/2"),
        ("//cdn.example.com/3", "https://cdn.example.com/3"),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("javascript:alert(1)", None),
        ("mailto:desk@example.org", None),
        ("file:///etc/passwd", None),
    ],
)
def test_entry_links_resolve_against_the_feed_or_are_dropped(link: str, expected: str | None) -> None:
    [article] = parse(rss(item(link=link))).articles
    assert article.url == expected


def test_a_link_to_the_home_page_is_not_the_article_address() -> None:
    [article] = parse(rss(item(link="https://news.example.org/", guid="g1"))).articles
    assert article.url is None
    assert identity_keys(article) == ["g:" + article_id(guid_identity("g1", "world"))[:62]]


def test_entries_without_dates_links_or_guids() -> None:
    parsed = parse(rss(item("First", description="One."), item("Second", description=None), item(None)))
    assert_sound(parsed)
    first, second, third = parsed.articles
    assert (first.url, first.guid, first.published) == (None, None, FETCHED)
    assert first.id == article_id("First\nOne.")
    assert identity_keys(first) == ["c:" + article_id("First\nOne.")[:62]]
    assert (second.title, second.text) == ("Second", "")
    assert (third.title, third.text) == ("", "Text.")


def test_entries_with_nothing_in_them_are_skipped() -> None:
    parsed = parse(rss(item(None, description=None), item("Real")))
    assert [a.title for a in parsed.articles] == ["Real"]
    with pytest.raises(FetchError, match="no entries with a title, text or link"):
        parse(rss(item(None, description=None, guid="only-a-guid")))


def test_header_names_are_case_insensitive() -> None:
    body = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Caf\xe9</title></item></channel></rss>'
    parsed = parse(body.encode("latin-1"), {"Content-Type": "application/rss+xml; charset=ISO-8859-1"})
    assert parsed.articles[0].title == "Café"
    assert parsed.warning is None


# --- malformed, not a feed -----------------------------------------------------------------------


def test_malformed_xml_with_entries_is_used_with_a_warning() -> None:
    body = rss(item("A", description="one <b>bold"), item("B", description="two"))
    parsed = parse(body)
    assert [a.title for a in parsed.articles] == ["A", "B"]
    assert parsed.warning == "parsed with errors: mismatched tag (line 2)"
    assert "\n" not in parsed.warning


def test_blank_lines_before_the_xml_declaration_are_forgiven() -> None:
    parsed = parse(b"\n\n   " + rss(item("A")))
    assert parsed.warning is None
    assert [a.title for a in parsed.articles] == ["A"]


@pytest.mark.parametrize("body", [b"", b"   \r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(FetchError, match=r"^not a feed: empty body$"):
        parse(body)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>News</p></body></html>", {}),
        (b"<html><body><a href='/rss'>RSS</a></body></html>", {"Content-Type": "text/html; charset=utf-8"}),
        (b"<p>Moved</p>", {"content-type": "text/html"}),
        (b"<!-- x -->\n<head><title>Document Moved</title></head><body>Object moved</body>", {}),
    ],
)
def test_html_page_is_not_a_feed(body: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(FetchError, match=r"^not a feed: looks like an HTML page$"):
        parse(body, headers)


@pytest.mark.parametrize("body", [b'{"version": "https://jsonfeed.org/version/1", "items": []}', b" [1, 2]"])
def test_json_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(FetchError, match=r"^not a feed: JSON$"):
        parse(body, {"Content-Type": "application/json"})


def test_a_valid_feed_without_items() -> None:
    with pytest.raises(FetchError, match=r"^feed has no entries$"):
        parse(rss())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<note><to>Ana</to></note>", "not a feed: no entries (no RSS, Atom or RDF root element)"),
        (
            b"<NewsML><body><html><p>x</p></html></body></NewsML>",
            "not a feed: no entries (no RSS, Atom or RDF root element)",
        ),
        (b"\x00\x01garbage<<<", "not a feed: no entries (not well-formed (invalid token) (line 1))"),
        (b'<rss version="2.0"><channel><title>cut', "not a feed: no entries (no element found (line 1))"),
    ],
)
def test_no_entries_says_why(body: bytes, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        parse(body)
    assert str(caught.value) == message


# --- charsets ----------------------------------------------------------------------------------


def test_header_says_us_ascii_and_xml_says_latin1() -> None:
    body = (
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf\xe9</title>'
        "<item><title>R\xe9sum\xe9 \xe0 Kyiv</title></item></channel></rss>"
    ).encode("latin-1")
    parsed = parse(body, {"Content-Type": "text/xml; charset=us-ascii"})
    assert parsed.title == "Café"
    assert parsed.articles[0].title == "Résumé à Kyiv"
    assert parsed.warning == "charset override: document declared as us-ascii, but parsed as iso-8859-1"


def test_invalid_utf8_mid_document_keeps_the_valid_text() -> None:
    body = rss(item("Zelensky in Kyïv: “talks” — café", description="Ends \xff here"))
    body = body.replace("\xff".encode(), b"\xff")  # one raw invalid byte in a UTF-8 document
    parsed = parse(body)
    [article] = parsed.articles
    assert article.title == "Zelensky in Kyïv: “talks” — café"
    assert article.text == "Ends \ufffd here"
    assert parsed.warning == "charset: 1 invalid UTF-8 sequences replaced"


def test_latin1_declared_as_utf8_is_read_as_windows_1252() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item><title>na\xefve caf\xe9</title></item></channel></rss>'
    parsed = parse(body.encode("latin-1"))
    assert parsed.articles[0].title == "naïve café"
    assert parsed.warning == "charset override: document declared as utf-8, but parsed as windows-1252"


def test_utf16_with_bom() -> None:
    body = rss(item("Київ"), prolog='<?xml version="1.0" encoding="utf-16"?>').decode().encode("utf-16")
    assert parse(body).articles[0].title == "Київ"


# --- GUID chaos (checklist 15) ---------------------------------------------------------------------


def test_duplicate_guids_on_different_items_keep_both() -> None:
    parsed = parse(
        rss(
            item("One", guid="same", link="https://news.example.org/1"),
            item("Two", guid="same", link="https://news.example.org/2"),
            item("Three", guid="other", link="https://news.example.org/3"),
        )
    )
    assert_sound(parsed)
    assert parsed.unstable_ids
    assert [a.title for a in parsed.articles] == ["One", "Two", "Three"]
    assert [a.guid for a in parsed.articles] == [None, None, "other"]


def test_duplicate_guids_without_links_keep_both() -> None:
    parsed = parse(rss(item("One", guid="7"), item("Two", guid="7"), item("Three", guid="8")))
    assert_sound(parsed)
    assert parsed.unstable_ids
    assert len(parsed.articles) == 3


def test_exact_duplicate_entries_collapse_to_one() -> None:
    same = item("Repeat", guid="g-1", link="https://news.example.org/r", description="Same.")
    parsed = parse(rss(same, same, item("Other", guid="g-2", link="https://news.example.org/o")))
    assert_sound(parsed)
    assert [a.title for a in parsed.articles] == ["Repeat", "Other"]
    assert not parsed.unstable_ids


def test_every_item_with_the_same_link() -> None:
    link = "https://news.example.org/latest"
    parsed = parse(rss(*(item(f"Story {n}", link=link, description=f"Body {n}.") for n in range(5))))
    assert_sound(parsed)
    assert parsed.unstable_ids
    assert len(parsed.articles) == 5
    assert all(a.url is None for a in parsed.articles)


def test_every_item_with_the_same_link_but_own_guids() -> None:
    link = "https://news.example.org/latest"
    parsed = parse(rss(*(item(f"Story {n}", link=link, guid=f"id-{n}") for n in range(4))))
    assert_sound(parsed)
    assert [a.id for a in parsed.articles] == [
        article_id(guid_identity(f"id-{n}", "world")) for n in range(4)
    ]


def test_one_story_listed_twice_under_new_guids_is_one_article() -> None:
    # BBC lists a story in two sections: guid "<url>#0" and "<url>#10", one link.
    url = "https://www.bbc.com/news/articles/cz074vyvjzvo"
    parsed = parse(
        rss(
            item("Councillor arrested", link=url, guid=f"{url}#0", description="Labour says."),
            item("Other story", link="https://www.bbc.com/news/2", guid="https://www.bbc.com/news/2#0"),
            item("Suspended councillor arrested", link=url, guid=f"{url}#10", description="Labour says."),
        )
    )
    assert_sound(parsed)
    assert parsed.unstable_ids
    assert [a.title for a in parsed.articles] == ["Councillor arrested", "Other story"]


def test_different_posts_linking_one_page_are_all_kept() -> None:
    link = "https://vendor.example.com/product"
    parsed = parse(
        rss(
            item("Sponsor: Product", link=link, guid="tag:1", description="Thanks to Product."),
            item("Other", link="https://news.example.org/o", guid="tag:2"),
            item("Review of Product", link=link, guid="tag:3", description="We tried it."),
        )
    )
    assert_sound(parsed)
    assert [(a.title, a.url) for a in parsed.articles] == [
        ("Sponsor: Product", link),
        ("Other", "https://news.example.org/o"),
        ("Review of Product", None),
    ]


def test_posts_that_are_anchors_on_one_page_keep_their_fragment() -> None:
    day = "http://scripting.com/2017/06/25.html"
    parsed = parse(rss(*(item(f"Post {n}", link=f"{day}#a{n}", guid=f"{day}#a{n}") for n in range(3))))
    assert_sound(parsed)
    assert [a.url for a in parsed.articles] == [f"{day}#a{n}" for n in range(3)]
    assert not parsed.unstable_ids


def test_ids_are_stable_across_polls() -> None:
    body = rss(item("A", guid="a"), item("B", link="https://news.example.org/b"), item("C"))
    first = [(a.id, identity_keys(a)) for a in parse(body).articles]
    again = [(a.id, identity_keys(a)) for a in parse(body, fetched=FETCHED + timedelta(hours=1)).articles]
    assert first == again


def test_rotating_guids_still_share_the_link_key() -> None:
    before = parse(rss(item("A", guid="rot-1", link="https://news.example.org/a"))).articles[0]
    after = parse(rss(item("A", guid="rot-2", link="https://news.example.org/a?utm_source=x"))).articles[0]
    assert set(identity_keys(before)) & set(identity_keys(after))


# --- caps (checklist 18) ------------------------------------------------------------------------------


@pytest.mark.slow
def test_huge_feed_is_capped_at_max_entries() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    # Oldest first: the newest 100 are the ones kept.
    entries = [
        item(
            f"Story {n}",
            guid=f"id-{n}",
            date=(start + timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        )
        for n in range(5000)
    ]
    parsed = parse(rss(*entries), max_entries=100)
    assert parsed.truncated == 4900
    assert [a.title for a in parsed.articles] == [f"Story {n}" for n in range(4900, 5000)]


def test_undated_huge_feed_keeps_the_first_entries() -> None:
    parsed = parse(rss(*(item(f"Story {n}") for n in range(300))), max_entries=10)
    assert (parsed.truncated, [a.title for a in parsed.articles]) == (290, [f"Story {n}" for n in range(10)])


def test_one_megabyte_title_is_truncated() -> None:
    parsed = parse(rss(item("x" * 1_000_000, description="y " * 600_000)), max_field_chars=1000)
    [article] = parsed.articles
    assert len(article.title) == 1000 and len(article.text) == 1000


def test_huge_feed_title_is_capped_for_the_outlet_column() -> None:
    parsed = parse(rss(item("A"), title="N" * 50_000))
    assert len(parsed.title or "") == 20_000
    assert len(parsed.articles[0].outlet or "") == 200


# --- dates (checklist 19) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        "0000-00-00",
        "0000-00-00 00:00:00",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "9999-12-31T23:59:59Z",
        "Mon, 01 Jan 2024 10:00:00 +9900",
        "Mon, 01 Jan 2024 10:00:00 XYZ",
        "Tue, 32 Jan 2024 25:61:00 GMT",
        "yesterday",
        "",
        "Sun, 01 Jan 1989 00:00:00 GMT",
        "1970-01-01T00:00:00Z",
        (FETCHED + timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
    ],
)
def test_bad_or_implausible_dates_fall_back_to_fetch_time(date: str) -> None:
    [article] = parse(rss(item(date=date))).articles
    assert article.published == FETCHED


def test_dates_are_converted_to_utc() -> None:
    [article] = parse(rss(item(date="Thu, 04 Sep 2025 23:30:00 -0500"))).articles
    assert article.published == datetime(2025, 9, 5, 4, 30, tzinfo=UTC)
    assert article.published.tzinfo is not None


def test_a_few_hours_ahead_is_allowed() -> None:
    ahead = FETCHED + timedelta(hours=3)
    [article] = parse(rss(item(date=ahead.strftime("%a, %d %b %Y %H:%M:%S GMT")))).articles
    assert article.published == ahead


def test_naive_fetch_time_is_taken_as_utc() -> None:
    [article] = parse(rss(item()), fetched=FETCHED.replace(tzinfo=None)).articles
    assert article.published == FETCHED and article.fetched == FETCHED


# --- XML attacks (checklist 10, 11) ----------------------------------------------------------------------

_LOLS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10))
BILLION_LAUGHS = {
    # the classic: feedparser's own DOCTYPE handling already drops these entities
    "classic": f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n{_LOLS}]>\n',
    # "<b>" in an entity value hides the DOCTYPE from feedparser's regex: expat alone would expand it
    "hidden from feedparser": f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "<b>x</b>">\n<!ENTITY lol0 "lol">\n{_LOLS}]>\n',
    "one line": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">' + _LOLS.replace("\n", "") + "]>",
    "after a comment": f'<?xml version="1.0"?><!-- x --><?pi x?>\n<!DOCTYPE rss [<!ENTITY a "<b>">\n<!ENTITY lol0 "lol">\n{_LOLS}]>',
}


@pytest.mark.parametrize("prolog", BILLION_LAUGHS.values(), ids=BILLION_LAUGHS.keys())
def test_billion_laughs_is_bounded_and_flagged(prolog: str) -> None:
    body = (
        prolog
        + '<rss version="2.0"><channel><title>t</title><item><title>&lol9;</title></item></channel></rss>'
    ).encode()
    cpu = time.process_time()
    outcome = _parse_or_error(body)
    assert time.process_time() - cpu < 1.0
    tracemalloc.start()
    try:
        _parse_or_error(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    if isinstance(outcome, ParsedFeed):
        assert outcome.warning and "DOCTYPE with entity declarations removed" in outcome.warning
        assert all("lollol" not in a.title for a in outcome.articles)


@pytest.mark.parametrize(
    "body",
    [
        b"<!---->" * 100_000 + b"<html>",  # once sent a backtracking regex into exponential time
        b"<!DOCTYPE x>" * 100_000 + b"<rss/>",
        b'<?xml version="1.0"?><!DOCTYPE x [' + b"<!--" * 100_000,
        b"<!DOCTYPE x [" + b"[" * 500_000,
        b'<!DOCTYPE x [<!ENTITY a "' + b"'" * 500_000,
        rss(item(date="+0000" + " " * 500_000 + "x")),
    ],
    ids=["comments", "doctypes", "open comments", "brackets", "open quote", "long date"],
)
def test_hostile_prologs_take_linear_time(body: bytes) -> None:
    cpu = time.process_time()
    _parse_or_error(body)
    assert time.process_time() - cpu < 2.0


def _parse_or_error(body: bytes) -> ParsedFeed | FetchError:
    try:
        return parse(body)
    except FetchError as exc:
        return exc


_opened: list[tuple[str, tuple[Any, ...]]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _opened is not None and event in ("open", "socket.connect", "socket.getaddrinfo", "urllib.Request"):
        _opened.append((event, args))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records inside watch_io()


@contextmanager
def watch_io() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


def test_the_io_watch_sees_a_file_open() -> None:
    with watch_io() as events:
        Path(__file__).read_bytes()
    assert [event for event, _ in events] == ["open"]


EXTERNAL = {
    "file entity": '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hosts">]>',
    "file entity hidden from feedparser": '<!DOCTYPE rss [\n<!ENTITY a "<b>">\n<!ENTITY xxe SYSTEM "file:///etc/hosts">\n]>',
    "http entity": '<!DOCTYPE rss [\n<!ENTITY a "<b>">\n<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">\n]>',
    "external DTD": '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">',
    "public DTD": '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://127.0.0.1:9/rss.dtd">',
    "parameter entity": '<!DOCTYPE rss [\n<!ENTITY a "<b>">\n<!ENTITY % pe SYSTEM "http://127.0.0.1:9/x.dtd">\n%pe;\n]>',
}


@pytest.mark.parametrize("doctype", EXTERNAL.values(), ids=EXTERNAL.keys())
def test_external_entities_and_dtds_open_nothing(doctype: str) -> None:
    body = (
        f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>t</title>'
        "<item><title>A &xxe; B</title><description>d</description></item></channel></rss>"
    ).encode()
    with watch_io() as events:
        outcome = _parse_or_error(body)
    assert events == []
    hosts = Path("/etc/hosts").read_text(errors="replace") if Path("/etc/hosts").exists() else ""
    if isinstance(outcome, ParsedFeed):
        for article in outcome.articles:
            assert "localhost" not in article.title + article.text or "localhost" not in hosts


def test_a_body_that_is_a_file_name_is_not_opened() -> None:
    # feedparser.parse(bytes) tries the bytes as a path first; parse_feed must never let it.
    with watch_io() as events, pytest.raises(FetchError):
        parse(b"/etc/hosts")
    assert events == []


def test_expat_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyexpat, "version_info", (2, 5, 0))
    warning = expat_warning()
    assert warning and "2.5.0" in warning and "2.6.0" in warning and "\n" not in warning
    monkeypatch.setattr(pyexpat, "version_info", (2, 6, 0))
    assert expat_warning() is None


# --- feedparser crash inputs (checklist 12) ------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["a &#1114112; b", "a &#x110000; b", "&#99999999999999999999;", "a &#xD800; b", "&#55296;&#56320;"],
)
def test_feedparser_crash_inputs_are_a_parse_error(title: str) -> None:
    with pytest.raises(FetchError, match=r"^parse error: \w+: "):
        parse(rss(item(title)))


def test_backslash_in_an_entity_value_never_escapes() -> None:
    # feedparser crashes on this (re.error "bad escape"); with the DOCTYPE removed it parses.
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "\\x">\n]>\n<rss version="2.0"><channel><item><title>&a; ok</title></item></channel></rss>'
    outcome = _parse_or_error(body)
    if isinstance(outcome, FetchError):
        assert str(outcome).startswith("parse error: ")
    else:
        assert outcome.articles[0].title.endswith("ok")


# --- never anything but FetchError ------------------------------------------------------------------------

_XMLISH = st.sampled_from(
    [
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>', '<?xml encoding="bogus"?>',
        '<rss version="2.0">', "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>",
        "<link>", "</link>", "<guid>", "</guid>", "<description>", "</description>", "<pubDate>", "</pubDate>",
        '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>", '<link href="',
        '"/>', "<![CDATA[", "]]>", "&amp;", "&lt;script&gt;", "&#1114112;", "&#xD800;", "&nbsp;", "&", "<",
        '<!DOCTYPE rss [<!ENTITY a "<b>">', '<!ENTITY b "&a;&a;">', "]>", "&b;", '<!ENTITY x SYSTEM "file:///etc/hosts">',
        "Mon, 01 Jan 2024 10:00:00 GMT", "0000-00-00", "9999-12-31", "http://x.example/", "//x", "data:,x",
        "javascript:x", "\\", "\x00", "é", "\ufeff", "\ud800", " ", "\n", "<script>", "</script>", "<!--", "-->",
    ]
)  # fmt: skip


def _check(body: bytes, headers: dict[str, str] | None = None) -> None:
    try:
        parsed = parse(body, headers, max_entries=20, max_field_chars=500)
    except FetchError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert_sound(parsed)
    assert parsed.warning is None or "\n" not in parsed.warning


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_fetch_error(body: bytes) -> None:
    _check(body)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_XMLISH | st.text(max_size=12), max_size=60).map("".join),
    st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]),
    st.sampled_from(
        [{}, {"content-type": "text/xml"}, {"Content-Type": "application/xml; charset=us-ascii"}]
    ),
)
def test_random_xmlish_text_never_raises_anything_but_fetch_error(
    text: str, encoding: str, headers: dict[str, str]
) -> None:
    _check(text.encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace"), headers)


# --- html_to_text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One Two"),
        ("a<br>b<div>c</div>d", "a b c d"),
        ("<b>bold</b>and<i>italic</i>", "boldanditalic"),
        ("x<script>alert('<p>')</script>y<style>p{color:red}</style>z", "xyz"),
        ("<p>x</p><script>a()</script><p>y</p>", "x y"),
        ("<noscript>enable JS</noscript>kept", "kept"),
        ("AT&amp;T &eacute; &nbsp;&#8212; ok", "AT&T é — ok"),
        ("  lots \n\n of\t\tspace  ", "lots of space"),
        ("<html><head><title>T</title></head><body>Body</body></html>", "Body"),
        ('<?xml version="1.0" encoding="utf-8"?><p>x</p>', "x"),
        ("&lt;p&gt;escaped twice&lt;/p&gt;&lt;script&gt;bad()&lt;/script&gt;", "escaped twice"),
        ("a < b and c > d", "a < b and c > d"),
        (
            "about the &lt;script9 tag and &lt;/SCRIPT#",
            "about the \u2039script9 tag and \u2039/SCRIPT#",
        ),
        ("", ""),
        ("<", "<"),
        ("<!-- only a comment -->", ""),
        ("\x00\x01text\x1f", "text"),
        ("\ud800 lone surrogate", "lone surrogate"),
        ("<div>" * 2000 + "deep" + "</div>" * 2000, "deep"),
        ("<div>" * 5000 + "deeper<script>x()</script>" + "</div>" * 5000, "deeper"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<", ">", "</", "/>", "script", "style", "p", "&", ";", "#", "x", " ", '"', "!--"])
                | st.text(max_size=5), max_size=40).map("".join))  # fmt: skip
def test_html_to_text_never_raises_and_leaves_no_script_tag(html: str) -> None:
    text = html_to_text(html)
    assert isinstance(text, str)
    assert text == " ".join(text.split())
    assert "<script" not in text.lower()


def test_article_id_is_sha256_hex() -> None:
    assert article_id("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- the shared corpus -----------------------------------------------------------------------------------

CORPUS = Path(
    os.environ.get("MONITOR_CORPUS_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds"
)
CORPUS_FILES = (
    sorted(p for p in CORPUS.iterdir() if p.is_file() and p.name != "MANIFEST.tsv") if CORPUS.is_dir() else []
)


@pytest.mark.slow
@pytest.mark.skipif(
    not CORPUS_FILES, reason=f"feed corpus folder is absent: {CORPUS} (set MONITOR_CORPUS_DIR)"
)
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus_feed_gives_articles_or_a_one_line_error(path: Path) -> None:
    try:
        parsed = parse(path.read_bytes(), url="https://corpus.example.org/feed.xml")
    except FetchError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert_sound(parsed)
    for article in parsed.articles:
        assert article.id
        assert article.published is not None and article.published.tzinfo is not None
        assert "<script" not in article.text


@pytest.mark.parametrize(
    ("guid", "scoped"),
    [
        ("1", True),
        ("post-42", True),
        ("https://news.example.org/1", False),
        ("urn:uuid:1234-5678-9abc", False),
        ("tag:example.org,2025:1", False),
    ],
)
def test_guids_that_are_not_globally_unique_are_scoped_to_their_feed(guid: str, scoped: bool) -> None:
    assert (guid_identity(guid, "a") != guid_identity(guid, "b")) is scoped
