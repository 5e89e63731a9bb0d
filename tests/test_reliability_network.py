"""Issue 12, items 1 and 2: a deadline no server can outrun, and no DNS rebinding."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from monitor.config import ServiceConfig
from monitor.errors import FetchError
from monitor.ingest.fetch import fetch_feed, make_session
from monitor.testing import LocalServer
from tests.helpers import item, rss

BOUND = 60.0  # how long a test waits for a fetch that should end within its deadline


@pytest.fixture
def header_drip() -> Iterator[str]:
    """A server that accepts, reads the request, then sends its status line and
    headers one byte every 0.2 s for about a minute - every read well within
    the read timeout."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Drip: " + b"x" * 300
            for byte in head:
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/feed.xml"
    finally:
        stop.set()
        listener.close()
        thread.join(BOUND)


def fetch_in_thread(url: str, service: ServiceConfig) -> list[Any]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(fetch_feed(make_session(service), url, service=service))
        except FetchError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), "the fetch outlived its deadline by far"
    return outcome


def test_headers_dripped_a_byte_at_a_time_are_cut_at_the_deadline(header_drip: str) -> None:
    service = ServiceConfig(connect_timeout=1.0, read_timeout=2.0, deadline=1.0)
    [outcome] = fetch_in_thread(header_drip, service)
    assert isinstance(outcome, FetchError)
    assert str(outcome) == "deadline exceeded after 1 s"


def test_a_healthy_fetch_after_a_cut_one_on_the_same_session(
    header_drip: str, feed_server: LocalServer
) -> None:
    service = ServiceConfig(connect_timeout=1.0, read_timeout=2.0, deadline=1.0)
    session = make_session(service)
    with pytest.raises(FetchError, match="deadline exceeded"):
        fetch_feed(session, header_drip, service=service)
    url = feed_server.serve("/ok.xml", rss([item(1)]), content_type="application/rss+xml")
    assert fetch_feed(session, url, service=service).status == 200


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """DNS for rebind.example: a public answer first, loopback ever after."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        ip = "151.101.1.1" if not asked else "127.0.0.1"
        asked.append(ip)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_that_rebinds_to_loopback_is_never_connected_to(
    rebinding: list[str], feed_server: LocalServer
) -> None:
    feed_server.serve("/feed.xml", rss([item(1)]), content_type="application/rss+xml")
    url = f"http://rebind.example:{feed_server.port}/feed.xml"
    service = ServiceConfig(connect_timeout=1.0, read_timeout=2.0, deadline=5.0)
    with pytest.raises(FetchError) as info:
        fetch_feed(make_session(service), url, service=service)
    assert str(info.value) == "address refused: rebind.example resolved to loopback 127.0.0.0/8"
    assert feed_server.hits["/feed.xml"] == 0  # no request reached loopback
    assert rebinding == ["151.101.1.1", "127.0.0.1"]


def test_an_operator_feed_on_a_private_host_is_still_fetched(feed_server: LocalServer) -> None:
    url = feed_server.serve("/feed.xml", rss([item(1)]), content_type="application/rss+xml")
    service = ServiceConfig(connect_timeout=1.0, read_timeout=2.0, deadline=5.0)
    assert fetch_feed(make_session(service), url, service=service).status == 200
