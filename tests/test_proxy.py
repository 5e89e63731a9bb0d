"""Proxies from [service] and the environment, through a real local proxy; the address guards still hold."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from monitor.config import ServiceConfig
from monitor.errors import FetchError
from monitor.ingest.fetch import fetch_feed, make_session
from monitor.ingest.proxy import ProxySettings
from tests.helpers import item, rss

FEED = "http://feeds.example.org/world.xml"  # does not resolve here: only the proxy can reach it


class _Proxy(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        if self.path.endswith("/moved.xml"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = rss([item(1)])
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _Proxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_environment_proxy_is_used_and_no_proxy_honoured(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    service = ServiceConfig()
    with make_session(service) as session:
        result = fetch_feed(session, FEED, service=service)
    assert result.status == 200 and b"<rss" in result.body
    assert _Proxy.seen == [FEED]

    monkeypatch.setenv("NO_PROXY", "example.org")
    with make_session(service) as session, pytest.raises(FetchError):
        fetch_feed(session, FEED, service=service)  # direct: the name does not resolve here
    assert _Proxy.seen == [FEED]


def test_the_config_proxy_wins_and_a_redirect_to_metadata_is_still_refused(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    service = replace(ServiceConfig(), http_proxy=proxy)
    with make_session(service) as session, pytest.raises(FetchError, match="redirect to private address"):
        fetch_feed(session, "http://feeds.example.org/moved.xml", service=service)
    assert _Proxy.seen == ["http://feeds.example.org/moved.xml"]  # the metadata address was never asked for


def test_settings_resolve_and_describe_without_credentials() -> None:
    env = {"https_proxy": "http://user:pa55word@proxy.corp:3128", "SSL_CERT_FILE": "/etc/ssl/corp.pem"}
    settings = ProxySettings.resolve(ServiceConfig(), env)
    assert settings.https == "http://user:pa55word@proxy.corp:3128" and settings.http == ""
    assert settings.ca_bundle == "/etc/ssl/corp.pem"
    assert "pa55word" not in settings.describe()
    with make_session(replace(ServiceConfig(), ca_bundle="/etc/ssl/corp.pem")) as session:
        assert session.verify == "/etc/ssl/corp.pem" and session.trust_env is False
