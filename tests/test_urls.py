"""canonical_url: one spelling per article link, None for links that are not http(s)."""

from __future__ import annotations

import time

import pytest

from monitor.ingest.urls import MAX_URL_CHARS, canonical_url, is_tracking_param

BASE = "https://news.example.org/feeds/world/rss.xml"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://News.Example.ORG/a/b", "http://news.example.org/a/b"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a#section-2", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?utm_source=rss&utm_medium=feed&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&igshid=3&ocid=4", "https://example.org/a"),
        ("https://example.org/a?cmpid=1&CMP=share_btn_tw&ref_src=twsrc&x=1", "https://example.org/a?x=1"),
        (
            "https://www.bbc.co.uk/news/world-1?at_medium=RSS&at_campaign=KARANGA",
            "https://www.bbc.co.uk/news/world-1",
        ),
        ("https://example.org/a?UTM_Campaign=x&page=2", "https://example.org/a?page=2"),
        ("https://example.org/a?x=1&x=1", "https://example.org/a?x=1&x=1"),
        ("https://user:secret@example.org/a", "https://example.org/a"),
        ("https://bücher.example/ä?q=ü", "https://xn--bcher-kva.example/%C3%A4?q=%C3%BC"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("  https://example.org/a\n", "https://example.org/a"),
        ("https://exa\tmple.org/a", "https://example.org/a"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://example.org/./a/../b", "https://example.org/b"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/world/story-1?utm_source=x", "https://news.example.org/world/story-1"),
        ("story-2", "https://news.example.org/feeds/world/story-2"),
        ("../story-3", "https://news.example.org/feeds/story-3"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
        ("?page=2", "https://news.example.org/feeds/world/rss.xml?page=2"),
        ("https://other.example.com/abs", "https://other.example.com/abs"),
    ],
)
def test_relative_and_protocol_relative_links_resolve_against_base(link: str, expected: str) -> None:
    assert canonical_url(link, BASE) == expected


@pytest.mark.parametrize(
    "url",
    [
        "data:text/html,<script>alert(1)</script>",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "mailto:desk@example.org",
        "file:///etc/passwd",
        "ftp://example.org/a",
        "gopher://example.org/",
        "tel:+100",
        "http://",
        "https:///path-only",
        "http:example.org",
        "http://[::1",
        "http://example.org:99999/",
        "http://example.org:port/",
        "http://exa mple.org/",
        "http://<script>/",
        "",
        "   ",
        "/relative-without-base",
        "//host/protocol-relative-without-base",
        "https://example.org/" + "a" * MAX_URL_CHARS,
    ],
)
def test_unusable_links_are_none(url: str) -> None:
    assert canonical_url(url) is None


@pytest.mark.parametrize("link", ["data:image/png;base64,AAAA", "javascript:void(0)", "mailto:x@example.org"])
def test_non_http_links_stay_none_even_with_a_base(link: str) -> None:
    assert canonical_url(link, BASE) is None


def test_a_non_http_base_gives_nothing_to_resolve_against() -> None:
    assert canonical_url("story", "file:///etc/") is None


def test_non_string_input_is_none() -> None:
    assert canonical_url(None) is None  # type: ignore[arg-type]
    assert canonical_url(b"https://example.org/") is None  # type: ignore[arg-type]


def test_long_whitespace_runs_take_linear_time() -> None:
    start = time.process_time()
    assert canonical_url("a" + " " * 1_000_000 + "b") is None
    assert (
        canonical_url(" " * 1_000_000 + "https://example.org/" + "\t" * 1_000_000) == "https://example.org/"
    )
    assert time.process_time() - start < 1.0


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTPS://Example.org:443/a/../b?z=1&utm_source=x&a=%7e#frag")
    assert once == "https://example.org/b?a=~&z=1"
    assert canonical_url(once) == once


def test_keep_fragment_keeps_only_the_fragment() -> None:
    assert canonical_url("http://Scripting.com/2017/06/25.html?utm_source=x#a080631", keep_fragment=True) == (
        "http://scripting.com/2017/06/25.html#a080631"
    )


@pytest.mark.parametrize(
    ("name", "tracking"),
    [("utm_source", True), ("UTM_MEDIUM", True), ("fbclid", True), ("CMP", True), ("at_medium", True),
     ("id", False), ("page", False), ("q", False), ("ref", False), ("utm", False)],
)  # fmt: skip
def test_tracking_parameter_names(name: str, tracking: bool) -> None:
    assert is_tracking_param(name) is tracking
