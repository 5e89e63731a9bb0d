"""Serving the app with uvicorn: in the foreground (``monitor web``) or on a thread (``monitor run``).

The listening socket is bound before the server starts, so the address is
known (and a busy port is one clear error) at once, and a client that
connects early waits in the backlog instead of being refused.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping
from types import FrameType

import uvicorn

from ..config import Config
from ..errors import ConfigError, MonitorError
from ..service.runtime import Runtime
from .app import create_app

__all__ = ["WebServer", "check_bind"]

log = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise MonitorError(f"web: {host!r} is not an IP address (or 'localhost') to bind to") from None


def check_bind(config: Config, host: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret the web interface requires, or None on loopback without one.

    Any address other than loopback needs the secret: refused with one line otherwise.
    """
    environ = os.environ if environ is None else environ
    name = config.web.token_env
    secret = environ.get(name) or None
    if secret is None and not is_loopback(host):
        raise ConfigError(
            f"binding to {host} exposes the web interface: set the environment variable {name} "
            "to a secret (Bearer token or basic-auth password), or bind 127.0.0.1",
            path=config.source,
            key="web.bind",
        )
    return secret


class WebServer:
    def __init__(self, rt: Runtime, *, host: str, port: int, in_daemon: bool = False):
        secret = check_bind(rt.config, host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
            self.sock.listen(128)
        except OSError as exc:
            self.sock.close()
            raise MonitorError(f"web: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.sock.setblocking(False)
        self.host = host
        app = create_app(rt, in_daemon=in_daemon, secret=secret)
        config = uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning")
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _serve(self) -> None:
        log.info("web interface on %s", self.url)
        self.server.run(sockets=[self.sock])

    def start(self) -> WebServer:
        """Serve on a daemon thread; ``stop()`` ends it."""
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._thread.start()
        return self

    def serve_until_signalled(self) -> None:
        """Serve until SIGTERM or SIGINT, then finish the requests in flight and return.

        The signals are ours, not uvicorn's (which re-raises them when it stops):
        ``monitor web`` exits 0 on SIGTERM, as ``monitor run`` does.
        """

        def handle(_signum: int, _frame: FrameType | None) -> None:
            self.server.should_exit = True  # a plain assignment: safe in a signal handler

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            assert self._thread is not None
            self._thread.join()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.sock.close()

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
        self.sock.close()
