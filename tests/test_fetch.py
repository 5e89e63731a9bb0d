"""monitor.ingest.fetch against a real HTTP server on 127.0.0.1 (``feed_server``).

``responses`` stands in only where loopback cannot play the part: a public
host (redirecting somewhere), https, and a connect timeout.
"""

from __future__ import annotations

import gzip
import ipaddress
import itertools
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses

from monitor.config import ServiceConfig
from monitor.errors import FetchError
from monitor.ingest.fetch import FetchResult, fetch_feed, is_private_address, make_session, parse_retry_after
from monitor.testing import LocalServer, Request, Response

RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title></channel></rss>'
SERVICE = ServiceConfig(
    user_agent="news-monitor-test/1.0 (+https://example.org/bot)",
    connect_timeout=1.0,
    read_timeout=2.0,
    deadline=5.0,
    max_body_bytes=64 * 1024,
    max_redirects=3,
    backoff_max=3600.0,
)
PUBLIC = "http://93.184.216.34/feed"  # an IP literal: no DNS lookup, and responses answers for it


def fetch(url: str, service: ServiceConfig = SERVICE, **kwargs: Any) -> FetchResult:
    return fetch_feed(make_session(service), url, service=service, **kwargs)


def fetch_error(url: str, service: ServiceConfig = SERVICE, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, service, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return info.value


def answer(status: int = 200, body: bytes = b"", **headers: str) -> Callable[[Request], Response]:
    return lambda request: Response(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


def redirect(location: str, status: int = 302) -> Callable[[Request], Response]:
    return answer(status, Location=location)


def gzip_zeros(megabytes: int) -> bytes:
    """``megabytes`` MiB of zeros, gzipped piece by piece (never held whole in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_zeros(50)
    assert len(data) < 100_000
    return data


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Fake DNS for the names a test puts in the dict; any other name does not exist."""
    names: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))
            for ip in names[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


# Schemes


class NoNetwork(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        raise AssertionError("a request was sent")


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("file:///etc/passwd", "file"),
        ("ftp://ftp.example.org/feed.xml", "ftp"),
        ("gopher://example.org/1", "gopher"),
        ("javascript:alert(1)", "javascript"),
        ("data:application/rss+xml,<rss/>", "data"),
        ("FILE:///etc/passwd", "file"),
        ("example.org/feed", "none"),
    ],
)
def test_only_http_and_https_without_touching_the_network(
    url: str, scheme: str, resolver: dict[str, list[str]]
) -> None:
    with pytest.raises(FetchError) as info:
        fetch_feed(NoNetwork(), url, service=SERVICE)
    assert str(info.value) == f"scheme not allowed: {scheme!r} (only http and https)"


# Success, headers and conditional GET


def test_fetch_returns_body_headers_and_validators(feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed", RSS, content_type="application/rss+xml; charset=iso-8859-1")
    result = fetch(url)
    assert (result.status, result.body, result.url) == (200, RSS, url)
    assert result.headers["content-type"] == "application/rss+xml; charset=iso-8859-1"
    assert all(name == name.lower() for name in result.headers)
    assert result.etag and result.etag.startswith('"')
    assert result.last_modified == "Tue, 04 Nov 2025 10:00:00 GMT"
    assert not result.not_modified and result.elapsed > 0
    sent = feed_server.by_path["/feed"][0].headers
    assert sent["User-Agent"] == SERVICE.user_agent
    assert "application/rss+xml" in sent["Accept"] and "application/atom+xml" in sent["Accept"]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


def test_gzip_body_is_decoded(feed_server: LocalServer) -> None:
    url = feed_server.route("/gz", answer(200, gzip.compress(RSS), Content_Encoding="gzip"))
    assert fetch(url).body == RSS


def test_conditional_get_gives_304_without_body(feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed", RSS)
    first = fetch(url)
    second = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert (second.status, second.body, second.not_modified) == (304, None, True)
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    sent = feed_server.by_path["/feed"][1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (first.etag, first.last_modified)


def test_weak_etag_and_odd_last_modified_travel_verbatim(feed_server: LocalServer) -> None:
    url = feed_server.route("/weak", answer(200, RSS, ETag='W/"v1"', Last_Modified="yesterday-ish"))
    first = fetch(url)
    assert (first.etag, first.last_modified) == ('W/"v1"', "yesterday-ish")
    feed_server.route("/weak", answer(304))  # a 304 that repeats no validators
    second = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert (second.status, second.etag, second.last_modified) == (304, 'W/"v1"', "yesterday-ish")
    sent = feed_server.by_path["/weak"][1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('W/"v1"', "yesterday-ish")


def test_304_without_a_conditional_request_is_not_a_feed(feed_server: LocalServer) -> None:
    error = fetch_error(feed_server.route("/304", answer(304)))
    assert str(error) == "not a feed: 304 without a conditional request" and error.status == 304


def test_validator_with_a_line_break_is_refused_before_sending(feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed", RSS)
    error = fetch_error(url, etag='"x"\r\nX-Injected: 1')
    assert str(error).startswith("invalid request header")
    assert feed_server.hits["/feed"] == 0


# Status codes


@pytest.mark.parametrize("status", [200, 204])
def test_empty_answer_is_not_a_feed(feed_server: LocalServer, status: int) -> None:
    error = fetch_error(feed_server.route("/empty", answer(status)))
    assert str(error) == "not a feed: empty body" and error.status == status


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone")],
)
def test_error_status(feed_server: LocalServer, status: int, message: str) -> None:
    error = fetch_error(feed_server.route("/x", answer(status, b"oops")))
    assert (str(error), error.status, error.retry_after) == (message, status, None)


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("status", "value", "expected"),
    [
        (429, "120", 120.0),
        (503, "99999999", 3600.0),
        (503, "soon, maybe", None),
        (429, None, None),
        (503, http_date(timedelta(days=-1)), 0.0),
    ],
)
def test_retry_after_from_429_and_503(
    feed_server: LocalServer, status: int, value: str | None, expected: float | None
) -> None:
    headers = {"Retry-After": value} if value is not None else {}
    feed_server.route("/busy", lambda request: Response(status, b"busy", headers))
    error = fetch_error(feed_server.url("/busy"))
    assert error.status == status and str(error).startswith(f"HTTP {status} ")
    assert error.retry_after == expected


def test_retry_after_http_date_in_the_future(feed_server: LocalServer) -> None:
    feed_server.route("/busy", answer(503, Retry_After=http_date(timedelta(seconds=600))))
    error = fetch_error(feed_server.url("/busy"))
    assert error.retry_after is not None and 590 <= error.retry_after <= 600


NOW = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("30", 30.0),
        (" 45 ", 45.0),
        ("99999999", 3600.0),
        ("9" * 5000, 3600.0),
        ("Tue, 04 Nov 2025 10:02:00 GMT", 120.0),
        ("Tuesday, 04-Nov-25 10:02:00 GMT", 120.0),
        ("Tue Nov  4 10:02:00 2025", 120.0),
        ("Tue, 04 Nov 2025 09:00:00 GMT", 0.0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 3600.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("Tue, 45 Nov 2025 10:02:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW, cap=3600.0) == expected


def test_parse_retry_after_naive_now_is_utc() -> None:
    assert parse_retry_after("Tue, 04 Nov 2025 10:00:10 GMT", now=NOW.replace(tzinfo=None), cap=60) == 10.0


# Time limits


def test_slow_drip_is_stopped_by_the_deadline(feed_server: LocalServer) -> None:
    # One byte at a time, each well within the read timeout, so only the deadline can stop it.
    service = ServiceConfig(connect_timeout=1.0, read_timeout=2.0, deadline=0.5)
    drip = Response(
        200, headers={"Content-Type": "application/rss+xml"}, chunks=[b"<"] + [b" "] * 100, pause=0.1
    )
    url = feed_server.route("/drip", lambda request: drip)
    started = time.monotonic()
    error = fetch_error(url, service)
    assert str(error) == "deadline exceeded after 0.5 s"
    assert time.monotonic() - started < service.read_timeout


def test_server_that_never_answers_times_out(feed_server: LocalServer) -> None:
    release = threading.Event()

    def silent(request: Request) -> Response:
        release.wait(10)
        return Response(200, RSS)

    service = ServiceConfig(connect_timeout=1.0, read_timeout=0.3, deadline=5.0)
    try:
        error = fetch_error(feed_server.route("/silent", silent), service)
    finally:
        release.set()
    assert str(error) == "timed out waiting for the server"


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://user:hunter2@127.0.0.1:{port}/feed?token=SECRET")
    assert str(error) == "connection refused" and error.status is None


def test_unknown_host(resolver: dict[str, list[str]]) -> None:
    assert str(fetch_error("http://feeds.invalid/rss")) == "host not found"


@responses.activate
def test_connect_timeout() -> None:
    responses.add(responses.GET, PUBLIC, body=requests.ConnectTimeout("HTTPConnectionPool(...): /feed?t=x"))
    assert str(fetch_error(PUBLIC)) == "timed out connecting"


def test_every_request_carries_both_timeouts(
    feed_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_server.route("/old", redirect("/new"))
    feed_server.serve("/new", RSS)
    session = make_session(SERVICE)
    calls: list[dict[str, Any]] = []
    real = session.request

    def spy(method: str, url: str, **kwargs: Any) -> requests.Response:
        calls.append(kwargs)
        return real(method, url, **kwargs)

    monkeypatch.setattr(session, "request", spy)
    fetch_feed(session, feed_server.url("/old"), service=SERVICE)
    assert [(c["timeout"], c["allow_redirects"], c["stream"]) for c in calls] == [
        ((1.0, 2.0), False, True)
    ] * 2


def test_environment_proxies_skip_what_no_proxy_names(
    feed_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Proxies from the environment are used (tests/test_proxy.py); NO_PROXY keeps local feeds direct.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert fetch(feed_server.serve("/feed", RSS)).body == RSS


# Size limits


def test_body_at_the_cap_is_accepted(feed_server: LocalServer) -> None:
    body = b"x" * SERVICE.max_body_bytes
    assert fetch(feed_server.route("/full", answer(200, body))).body == body


def test_content_length_above_the_cap_is_refused_before_reading(feed_server: LocalServer) -> None:
    # The body promised never comes: reading it would end in a timeout, not in "too large".
    url = feed_server.route("/huge", answer(200, b"<rss>", Content_Length=str(10**12)))
    assert str(fetch_error(url)) == f"too large: more than {SERVICE.max_body_bytes} bytes"


def test_endless_chunked_body_is_cut_at_the_cap(feed_server: LocalServer) -> None:
    endless: Iterator[bytes] = itertools.repeat(b"x" * 4096)
    feed_server.route("/endless", lambda request: Response(200, chunks=endless))
    tracemalloc.start()
    try:
        error = fetch_error(feed_server.url("/endless"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == f"too large: more than {SERVICE.max_body_bytes} bytes"
    assert peak < 2 * 1024 * 1024


@pytest.mark.parametrize(("layers", "encoding"), [(1, "gzip"), (2, "gzip, gzip"), (3, "gzip, gzip, gzip")])
def test_gzip_bomb_is_cut_after_decompression_in_bounded_memory(
    feed_server: LocalServer, bomb: bytes, layers: int, encoding: str
) -> None:
    body = bomb
    for _ in range(layers - 1):
        body = gzip.compress(body)
    assert len(body) < SERVICE.max_body_bytes * 2  # small on the wire; 50 MiB once inflated
    feed_server.route(
        "/bomb", answer(200, body, Content_Encoding=encoding, Content_Type="application/rss+xml")
    )
    service = ServiceConfig(max_body_bytes=1024 * 1024, connect_timeout=1.0, read_timeout=2.0, deadline=5.0)
    tracemalloc.start()
    try:
        error = fetch_error(feed_server.url("/bomb"), service)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == "too large: more than 1048576 bytes"
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while decoding a 50 MiB bomb"


def test_absurdly_stacked_encodings_are_refused(feed_server: LocalServer) -> None:
    url = feed_server.route(
        "/stack", answer(200, gzip.compress(RSS), Content_Encoding=", ".join(["gzip"] * 8))
    )
    assert str(fetch_error(url)) == "bad compressed body"


def test_corrupt_gzip_is_a_clear_error(feed_server: LocalServer) -> None:
    url = feed_server.route("/bad", answer(200, b"\x1f\x8b\x08\x00garbage" * 10, Content_Encoding="gzip"))
    assert str(fetch_error(url)) == "bad compressed body"


# Redirects


def test_redirects_are_followed_up_to_the_limit(feed_server: LocalServer) -> None:
    feed_server.route("/r0", redirect("/r1", 301))
    feed_server.route("/r1", redirect("../r2", 307))  # relative Location
    feed_server.route("/r2", redirect(feed_server.url("/feed"), 308))
    feed_server.serve("/feed", RSS)
    result = fetch(feed_server.url("/r0"))  # three hops, the limit
    assert (result.status, result.body, result.url) == (200, RSS, feed_server.url("/feed"))


def test_validators_are_sent_on_every_hop(feed_server: LocalServer) -> None:
    feed_server.route("/moved", redirect("/feed", 301))
    url = feed_server.serve("/feed", RSS)
    etag = fetch(url).etag
    result = fetch(feed_server.url("/moved"), etag=etag)
    assert result.not_modified and result.url == url
    assert feed_server.by_path["/moved"][0].headers["If-None-Match"] == etag


def test_redirect_loop_ends_promptly(feed_server: LocalServer) -> None:
    feed_server.route("/a", redirect("/b"))
    feed_server.route("/b", redirect("/a"))
    error = fetch_error(feed_server.url("/a"))
    assert str(error) == "too many redirects (more than 3)"
    assert feed_server.hits["/a"] + feed_server.hits["/b"] == SERVICE.max_redirects + 1


def test_one_hop_too_many(feed_server: LocalServer) -> None:
    for hop in range(4):
        feed_server.route(f"/h{hop}", redirect(f"/h{hop + 1}"))
    feed_server.serve("/h4", RSS)
    assert str(fetch_error(feed_server.url("/h0"))) == "too many redirects (more than 3)"
    assert feed_server.hits["/h4"] == 0


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)"])
def test_redirect_to_another_scheme_is_refused(feed_server: LocalServer, target: str) -> None:
    error = fetch_error(feed_server.route("/r", redirect(target)))
    assert str(error).startswith("scheme not allowed in redirect: ")


def test_private_feed_may_redirect_within_private_addresses(feed_server: LocalServer) -> None:
    # An operator's intranet feed: 127.0.0.1 redirecting to localhost is the operator's choice.
    feed_server.route("/old", redirect(f"http://localhost:{feed_server.port}/feed"))
    feed_server.serve("/feed", RSS)
    assert fetch(feed_server.url("/old")).body == RSS


@responses.activate
def test_https_to_http_downgrade_is_refused() -> None:
    responses.add(responses.GET, "https://93.184.216.34/feed", status=301, headers={"Location": PUBLIC})
    error = fetch_error("https://93.184.216.34/feed")
    assert str(error) == f"downgrade refused: https redirected to {PUBLIC}"
    assert len(responses.calls) == 1


BLOCKED_TARGETS = [
    ("http://127.0.0.1:8080/x", "loopback 127.0.0.0/8"),
    ("http://169.254.169.254/latest/meta-data/", "link-local 169.254.0.0/16"),
    ("http://[::1]/", "loopback ::1/128"),
    ("http://10.0.0.1/", "private 10.0.0.0/8"),
    ("http://172.16.5.4/", "private 172.16.0.0/12"),
    ("http://192.168.1.1/", "private 192.168.0.0/16"),
    ("http://100.64.0.1/", "CGNAT 100.64.0.0/10"),
    ("http://[fd00::1]/", "ULA fc00::/7"),
    ("http://[fe80::1]/", "link-local fe80::/10"),
    ("http://0.0.0.0/", "unspecified 0.0.0.0/8"),
    ("http://[::]/", "unspecified ::/128"),
    ("http://2130706433/", "loopback 127.0.0.0/8"),
    ("http://0x7f.1/", "loopback 127.0.0.0/8"),
    ("http://[::ffff:127.0.0.1]/", "loopback 127.0.0.0/8 via IPv4-mapped ::ffff:0:0/96"),
    ("https://[::ffff:8.8.8.8]/", "IPv4-mapped ::ffff:0:0/96"),
]


@responses.activate
@pytest.mark.parametrize(("target", "blocked"), BLOCKED_TARGETS)
def test_public_feed_redirecting_to_a_private_address_is_refused(target: str, blocked: str) -> None:
    responses.add(responses.GET, PUBLIC, status=302, headers={"Location": target})
    error = fetch_error(PUBLIC)
    assert str(error).startswith(f"redirect to private address ({blocked}): ")
    assert len(responses.calls) == 1  # the target was never asked


@responses.activate
def test_redirect_to_a_name_that_resolves_privately_is_refused(resolver: dict[str, list[str]]) -> None:
    resolver["intranet.example"] = ["203.0.114.9", "10.1.2.3"]  # one bad answer is enough
    responses.add(responses.GET, PUBLIC, status=302, headers={"Location": "http://intranet.example/admin"})
    assert (
        str(fetch_error(PUBLIC))
        == "redirect to private address (private 10.0.0.0/8): http://intranet.example/admin"
    )


@responses.activate
def test_public_feed_may_redirect_to_another_public_host(resolver: dict[str, list[str]]) -> None:
    resolver["feeds.example"] = ["151.101.1.1"]
    responses.add(responses.GET, PUBLIC, status=301, headers={"Location": "https://feeds.example/rss"})
    responses.add(responses.GET, "https://feeds.example/rss", body=RSS, content_type="application/rss+xml")
    result = fetch(PUBLIC)
    assert (result.url, result.body) == ("https://feeds.example/rss", RSS)


@responses.activate
def test_allow_private_networks_lets_the_redirect_through() -> None:
    responses.add(responses.GET, PUBLIC, status=302, headers={"Location": "http://10.0.0.1/feed"})
    responses.add(responses.GET, "http://10.0.0.1/feed", body=RSS)
    service = ServiceConfig(allow_private_networks=True, max_redirects=3)
    assert fetch(PUBLIC, service).body == RSS


# Messages never leak credentials


@responses.activate
def test_messages_redact_userinfo_and_query_values() -> None:
    secret_target = "http://admin:hunter2@10.0.0.1/x?token=SECRET&user=me#frag"
    origin = "http://bob:pw1@93.184.216.34/a?key=SECRET"
    responses.add(
        responses.GET,
        re.compile(r"http://bob:pw1@93\.184\.216\.34/a.*"),
        status=302,
        headers={"Location": secret_target},
    )
    responses.add(
        responses.GET, "https://93.184.216.34/b", status=302, headers={"Location": "http://x.org/?k=SECRET"}
    )
    messages = [
        str(fetch_error(origin)),
        str(fetch_error("https://93.184.216.34/b")),
    ]
    assert (
        messages[0]
        == "redirect to private address (private 10.0.0.0/8): http://10.0.0.1/x?token=***&user=***"
    )
    assert messages[1] == "downgrade refused: https redirected to http://x.org/?k=***"
    for message in messages:
        assert "SECRET" not in message and "hunter2" not in message and "admin" not in message


def test_status_errors_do_not_repeat_the_url(feed_server: LocalServer) -> None:
    feed_server.route("/private", answer(401))
    error = fetch_error(f"http://u:hunter2@127.0.0.1:{feed_server.port}/private?token=SECRET")
    assert str(error) == "HTTP 401 Unauthorized"


# is_private_address


@pytest.mark.parametrize(
    ("host", "blocked"),
    [
        ("127.0.0.1", "loopback 127.0.0.0/8"),
        ("127.1", "loopback 127.0.0.0/8"),
        ("2130706433", "loopback 127.0.0.0/8"),
        ("0177.0.0.1", "loopback 127.0.0.0/8"),
        ("::1", "loopback ::1/128"),
        ("[::1]", "loopback ::1/128"),
        ("[::ffff:127.0.0.1]", "loopback 127.0.0.0/8 via IPv4-mapped ::ffff:0:0/96"),
        ("::ffff:169.254.169.254", "link-local 169.254.0.0/16 via IPv4-mapped ::ffff:0:0/96"),
        ("169.254.169.254", "link-local 169.254.0.0/16"),
        ("10.0.0.1", "private 10.0.0.0/8"),
        ("100.64.0.1", "CGNAT 100.64.0.0/10"),
        ("fd00::1", "ULA fc00::/7"),
        ("fe80::1%eth0", "link-local fe80::/10"),
        ("0.0.0.0", "unspecified 0.0.0.0/8"),
        ("::", "unspecified ::/128"),
        ("::127.0.0.1", "IPv4-compatible ::/96"),
        ("2002:7f00:1::", "loopback 127.0.0.0/8 via 6to4 2002::/16"),
        ("64:ff9b::a00:1", "private 10.0.0.0/8 via NAT64 64:ff9b::/96"),
        ("224.0.0.1", "multicast 224.0.0.0/4"),
        ("255.255.255.255", "reserved 240.0.0.0/4"),
        (ipaddress.ip_address("192.168.0.10"), "private 192.168.0.0/16"),
        ("localhost", "loopback 127.0.0.0/8"),
    ],
)
def test_is_private_address(host: Any, blocked: str) -> None:
    assert is_private_address(host) == blocked


@pytest.mark.parametrize(
    "host",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", ipaddress.ip_address("1.1.1.1")],
)
def test_public_addresses_are_not_private(host: Any) -> None:
    assert is_private_address(host) is None


def test_is_private_address_checks_every_dns_answer(resolver: dict[str, list[str]]) -> None:
    resolver["public.example"] = ["151.101.1.1", "2a04:4e42::1"]
    resolver["sneaky.example"] = ["151.101.1.1", "fd12::7"]
    assert is_private_address("public.example") is None
    assert is_private_address("sneaky.example") == "ULA fc00::/7"
    assert is_private_address("nowhere.example") is None  # cannot be connected to either
