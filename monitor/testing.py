"""Test kit for plugin authors and for the service's own tests.

Enable it in a test suite with ``pytest_plugins = ["monitor.testing"]`` (it
is also registered as a ``pytest11`` entry point, so installed it loads by
itself). It gives real local peers, never mocks: an HTTP server on
127.0.0.1 whose answers a test scripts, and helpers to build articles and
run extractors with the same boundary checks production uses.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from .api import Extractor, Notifier, PluginSettings
from .errors import DeliveryError
from .extraction import extract
from .hookspecs import hookimpl
from .model import Alert, Article, Change, Claim
from .plugins import PluginHost

__all__ = [
    "LocalServer",
    "MailRecorder",
    "MonitorProject",
    "PluginHost",
    "RecordingNotifier",
    "Request",
    "Response",
    "feed_item",
    "feed_server",
    "make_article",
    "make_feed",
    "monitor_project",
    "plugin_host",
    "registered",
    "run_extractor",
    "smtp_server",
]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Streamed in pieces with a pause between them, to act as a slow server
    # (any iterable: a generator makes an endless body).
    chunks: Iterable[bytes] | None = None
    pause: float = 0.0


Handler = Callable[[Request], Response]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with scripted routes.

    ``route(path, handler)`` or ``serve(path, body, ...)`` set what a path
    answers; every request is recorded in ``requests`` and counted per path
    in ``hits``. Unknown paths answer 404.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.hits: Counter[str] = Counter()
        self.by_path: dict[str, list[Request]] = defaultdict(list)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                request = Request(self.command, path, {k: v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(request)
                    server.hits[path.split("?")[0]] += 1
                    server.by_path[path.split("?")[0]].append(request)
                handler = server.routes.get(path) or server.routes.get(path.split("?")[0])
                response = handler(request) if handler else Response(404, b"not found")
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if response.chunks is not None:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for piece in response.chunks:
                            if server._stopping.wait(response.pause):
                                return
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                            self.wfile.flush()
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    return
                if "Content-Length" not in response.headers and response.status not in (204, 304):
                    self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD" and response.status not in (204, 304):
                    try:
                        self.wfile.write(response.body)
                    except (BrokenPipeError, ConnectionResetError):
                        return

            do_GET = do_POST = do_HEAD = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        # A client that goes away mid-request (a killed process, a timeout) is part of many tests.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_address[1]
        # A short poll interval so that stop() returns in milliseconds, not half a second.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def serve(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml",
        validators: bool = True,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve fixed bytes; with ``validators`` it honours ETag and Last-Modified like a real server."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = "Tue, 04 Nov 2025 10:00:00 GMT"

        def handler(request: Request) -> Response:
            extra = dict(headers or {})
            extra.setdefault("Content-Type", content_type)
            if validators:
                extra["ETag"], extra["Last-Modified"] = etag, modified
                if request.headers.get("If-None-Match") == etag or (
                    "If-None-Match" not in request.headers
                    and request.headers.get("If-Modified-Since") == modified
                ):
                    return Response(304, b"", {"ETag": etag})
            return Response(status, body, extra)

        return self.route(path, handler)


@pytest.fixture
def feed_server() -> Iterator[LocalServer]:
    """A local HTTP server (127.0.0.1, a free port) for feeds and webhooks."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


def make_article(
    text: str,
    title: str = "",
    *,
    url: str | None = "https://news.example.org/story",
    outlet: str | None = "Example News",
    published: datetime | None = None,
    feed: str | None = "example",
) -> Article:
    """An ``Article`` for extractor tests; its id is derived from url, title and text."""
    digest = hashlib.sha256(f"{url}\n{title}\n{text}".encode()).hexdigest()[:32]
    now = datetime.now(UTC)
    return Article(
        id=digest,
        title=title,
        text=text,
        url=url,
        guid=None,
        published=published or now,
        fetched=now,
        feed=feed,
        outlet=outlet,
    )


class RecordingNotifier(Notifier):
    """A notifier that keeps what it is sent, for tests: no network.

    ``failures`` scripts what the next calls do: each item is an exception
    to raise (e.g. ``DeliveryError("down")``) or None to accept. Accepted
    alerts are in ``sent``; every call, accepted or not, is in ``attempts``.
    """

    type = "recording"
    options: ClassVar[Mapping[str, str]] = {"note": "free text, ignored"}

    def __init__(self, name: str = "recorder", config: dict[str, Any] | None = None):
        super().__init__(name, config or {})
        self.sent: list[Alert] = []
        self.attempts: list[Alert] = []
        self.failures: list[BaseException | None] = []

    def notify(self, alert: Alert) -> None:
        self.attempts.append(alert)
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure
        self.sent.append(alert)


def fail_with(
    message: str, *, retryable: bool = True, retry_after: float | None = None, disable: bool = False
) -> DeliveryError:
    """A ``DeliveryError`` for ``RecordingNotifier.failures``."""
    return DeliveryError(message, retryable=retryable, retry_after=retry_after, disable=disable)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> Any:
        import email
        import email.policy

        return email.message_from_bytes(self.content, policy=email.policy.default)


@dataclass
class MailRecorder:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    ``on_data`` may be set to a callable run when a message arrives, before
    the server answers 250 (to act as a crash at the worst moment).
    """

    host: str = "127.0.0.1"
    port: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    on_data: Callable[[ReceivedMail], None] | None = None
    _controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.received.append(mail)
        if self.on_data:
            self.on_data(mail)
        return "250 Message accepted"

    def start(self) -> MailRecorder:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as sock:
            sock.bind((self.host, 0))
            self.port = sock.getsockname()[1]
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[MailRecorder]:
    """A loopback SMTP server (needs aiosmtpd) that records what it receives."""
    server = MailRecorder().start()
    try:
        yield server
    finally:
        server.stop()


# -- extractors ---------------------------------------------------------------


@pytest.fixture
def plugin_host() -> PluginHost:
    """An isolated, loaded plugin host: no entry points, no plugin folders."""
    return PluginHost(entry_points=False).load()


@contextmanager
def registered(host: PluginHost, plugin: object, name: str = "under-test") -> Iterator[PluginHost]:
    """Register ``plugin`` (a module or object with hookimpls) for the duration of a block."""
    host.register(plugin, name)
    try:
        yield host
    finally:
        host.unregister(name)


def run_extractor(
    extractor: Extractor, article: Article | str, *, title: str = "", timeout: float = 10.0
) -> list[Claim]:
    """Run one extractor the way production does, and fail loudly on anything it would drop.

    The production boundary checks apply (declared keys, value types,
    evidence inside the article); a claim that fails them, an exception or
    a timeout fails the test with the reason.
    """
    if isinstance(article, str):
        article = make_article(article, title)

    class _Plugin:
        @hookimpl
        def register_extractors(self, register: Callable[[Extractor], None]) -> None:
            register(extractor)

    host = PluginHost(entry_points=False).load()
    host.register(_Plugin(), "under-test")
    result = extract(host, article, timeout=timeout)
    problems = [f"{plugin}/{stage}: {count} failure(s)" for (plugin, stage), count in host.failures.items()]
    if result.failed or problems:
        raise AssertionError(f"extractor {extractor.name!r} failed on the article: {'; '.join(problems)}")
    return result.claims


# -- feeds and whole-pipeline runs -----------------------------------------------


def feed_item(
    n: int, text: str = "", *, title: str | None = None, when: datetime | None = None, link: str | None = None
) -> dict[str, str]:
    """One RSS item: stable guid and link from ``n``, a publication time, an HTML description."""
    when = when or datetime(2025, 9, 5, tzinfo=UTC) + timedelta(minutes=n)
    return {
        "title": title or f"Story number {n}",
        "link": link or f"https://news.example.org/story/{n}?utm_source=rss",
        "guid": f"https://news.example.org/story/{n}",
        "description": text or f"<p>Body of story {n}.</p>",
        "pubDate": format_datetime(when),
    }


def make_feed(items: Sequence[dict[str, str]], title: str = "Test News") -> bytes:
    """An RSS 2.0 document of ``items`` (see ``feed_item``)."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        "<link>https://news.example.org/</link><description>test</description>"
    ]
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


class MonitorProject:
    """A throw-away project folder with its config, store and feeds, to run the real pipeline.

    Feeds are served by a ``LocalServer``; plugins are the installed ones
    (entry points) plus ``plugins`` given here; alerts go to a recording
    channel named "test" unless ``channels`` says otherwise.
    """

    def __init__(
        self,
        folder: Path,
        server: LocalServer,
        *,
        plugins: Sequence[object] = (),
        entry_points: bool = True,
        extra_config: str = "",
        baseline: Path | None = None,
    ):
        self.folder, self.server = folder, server
        self.plugins, self.entry_points, self.extra_config = list(plugins), entry_points, extra_config
        self.baseline = baseline
        self.feeds: dict[str, str] = {}
        self.recorder = RecordingNotifier("test")
        self._runtime: Any = None

    def add_feed(self, name: str, items: Sequence[dict[str, str]], *, title: str = "Test News") -> str:
        """Serve a feed (again, with new items, if it exists) and add it to the config."""
        self.feeds[name] = self.server.serve(f"/feeds/{name}.xml", make_feed(items, title=title))
        self._reset()
        return self.feeds[name]

    @property
    def config_path(self) -> Path:
        config = self.folder / "config"
        config.mkdir(parents=True, exist_ok=True)
        lines = [f'[database]\nurl = "sqlite:///{self.folder / "state" / "monitor.db"}"\n']
        if self.baseline:
            lines.append(f'[baseline]\narticle = "{self.baseline}"\n')
        lines.append('[[channels]]\nname = "test"\ntype = "recording"\n')
        lines.append(self.extra_config)
        for name, url in self.feeds.items():
            lines.append(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\ninterval = "1h"\n')
        path = config / "monitor.toml"
        path.write_text("\n".join(lines))
        return path

    @property
    def runtime(self) -> Any:
        if self._runtime is None:
            from .config import load_config
            from .runtime import Runtime

            config = load_config(self.config_path)
            host = PluginHost(
                config.plugin_dirs,
                entry_points=self.entry_points,
                settings=PluginSettings(config.root, config.plugin_options),
            )
            host.register(_RecordingPlugin(), "monitor-testing")
            for index, plugin in enumerate(self.plugins):
                host.register(plugin, getattr(plugin, "__name__", f"test-plugin-{index}"))
            self._runtime = Runtime(config, host=host)
        return self._runtime

    def _reset(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    def poll(self) -> list[Any]:
        """One pass over every feed, as ``monitor poll`` does; returns the PollOutcomes."""
        from .daemon import poll_all

        return poll_all(self.runtime)

    def deliver(self) -> list[Alert]:
        """Deliver due alerts to the recording channel; returns the alerts sent by this call."""
        from .alerts import Deliverer

        before = len(self.recorder.sent)
        Deliverer(self.runtime, {"test": self.recorder}).deliver_due()
        return self.recorder.sent[before:]

    def changes(self) -> list[Change]:
        from .store.facts import list_changes

        with self.runtime.store.transaction() as session:
            return list(reversed(list_changes(session, limit=10_000)))

    def close(self) -> None:
        self._reset()


class _RecordingPlugin:
    @hookimpl
    def register_notifiers(self, register: Callable[[type[Notifier]], None]) -> None:
        register(RecordingNotifier)


@pytest.fixture
def monitor_project(tmp_path: Path, feed_server: LocalServer) -> Iterator[MonitorProject]:
    """A project in tmp_path whose feeds are served by ``feed_server``; see ``MonitorProject``."""
    project = MonitorProject(tmp_path / "project", feed_server)
    try:
        yield project
    finally:
        project.close()
