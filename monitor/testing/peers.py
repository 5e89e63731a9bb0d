"""Real local peers for tests: an HTTP server on 127.0.0.1, an SMTP server, a recording notifier."""

from __future__ import annotations

import email
import email.policy
import hashlib
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from ..api import Notifier
from ..errors import DeliveryError
from ..model import Alert


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
        # aiosmtpd comes with the test extras only: a plugin's suite that never
        # uses smtp_server does not need it.
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
