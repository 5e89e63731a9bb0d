"""Connections that resolve a name once, check the address and connect to it,
and that one wall-clock deadline can cut whatever the server does.

A name checked with one DNS answer and connected with another (DNS
rebinding) would let a public-looking host reach loopback. Here the address
checked is the address connected to: the connection resolves the name
itself, refuses it if a blocked range holds any answer, and connects to that
IP; the Host header and TLS SNI/certificate check still use the name.

Timeouts bound each socket operation, not their sum: headers dripped a byte
at a time never trip a read timeout. ``watch`` starts a timer that, at the
deadline, shuts down every socket the request opened, so the blocked read
returns at once and the caller reports "deadline exceeded".
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from ..errors import FetchError

__all__ = ["Watch", "install", "watch"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Check = Callable[[IPAddress], str | None]

_local = threading.local()


@dataclass
class Watch:
    """What one request may connect to, and the sockets its deadline cuts."""

    check: Check | None = None
    expired: bool = False
    sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            self.sockets.append(sock)
            expired = self.expired
        if expired:
            _cut(sock)

    def cut(self) -> None:
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def watch(seconds: float, check: Check | None) -> Iterator[Watch]:
    """Requests made by this thread inside the block: addresses checked with
    ``check`` (None: any address), sockets cut after ``seconds``."""
    current = Watch(check)
    previous = getattr(_local, "watch", None)
    _local.watch = current
    timer = threading.Timer(max(seconds, 0.0), current.cut)
    timer.daemon = True
    timer.start()
    try:
        yield current
    finally:
        timer.cancel()
        timer.join()
        _local.watch = previous


def set_check(check: Check | None) -> None:
    """Change what the current watch lets the next connection reach (per redirect hop)."""
    current: Watch | None = getattr(_local, "watch", None)
    if current is not None:
        current.check = check


class _Pinned(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        current: Watch | None = getattr(_local, "watch", None)
        try:
            answers = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in answers]
        if current is not None and current.check is not None:
            for address in addresses:
                if blocked := current.check(address):
                    raise FetchError(f"address refused: {self.host} resolved to {blocked}")
        error: OSError | None = None
        for address in dict.fromkeys(addresses):
            try:
                sock = socket.create_connection((str(address), self.port), self.timeout)
            except TimeoutError as e:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from e
            except OSError as e:
                error = e
                continue
            for option in self.socket_options or ():
                sock.setsockopt(*option)
            if current is not None:
                current.register(sock)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error

    def request(self, *args: Any, **kwargs: Any) -> None:
        current: Watch | None = getattr(_local, "watch", None)
        if current is not None:
            current.register(self.sock)  # a kept-alive connection, reused
        super().request(*args, **kwargs)

    def connect(self) -> None:
        super().connect()
        current: Watch | None = getattr(_local, "watch", None)
        if current is not None:
            current.register(self.sock)  # the TLS socket wrapping the one registered above


class _PinnedHTTPS(_Pinned, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _Pinned


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPS


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def install(session: requests.Session) -> requests.Session:
    """Make ``session`` connect through pinned, watchable connections."""
    session.mount("http://", _Adapter())
    session.mount("https://", _Adapter())
    return session
