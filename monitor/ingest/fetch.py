"""Fetch one feed over HTTP, within limits.

Redirects are followed here rather than by requests, so every hop is checked:
scheme, https -> http downgrade and, for a feed on a public host, private
targets. The body is streamed and counted *after* decompression, so neither a
chunked stream nor a gzip bomb can grow past ``max_body_bytes`` in memory
(urllib3 >= 2.6 bounds each decompression step by the amount asked for).
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import re
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions as u3

from ..config import ServiceConfig
from ..errors import FetchError
from . import pinned
from .proxy import ProxySession, ProxySettings

__all__ = ["FetchResult", "fetch_feed", "is_private_address", "make_session", "parse_retry_after"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Only codecs whose decompression urllib3 bounds without optional packages.
ACCEPT_ENCODING = "gzip, deflate"

# Where a redirect from a public feed may not go; "label range" pairs, IPv4 then IPv6.
_RANGES = """
    unspecified 0.0.0.0/8, private 10.0.0.0/8, CGNAT 100.64.0.0/10, loopback 127.0.0.0/8,
    link-local 169.254.0.0/16, private 172.16.0.0/12, IETF-protocol 192.0.0.0/24,
    documentation 192.0.2.0/24, private 192.168.0.0/16, benchmarking 198.18.0.0/15,
    documentation 198.51.100.0/24, documentation 203.0.113.0/24, multicast 224.0.0.0/4,
    reserved 240.0.0.0/4, unspecified ::/128, loopback ::1/128, IPv4-compatible ::/96, discard 100::/64,
    NAT64-local 64:ff9b:1::/48, documentation 2001:db8::/32, ULA fc00::/7, link-local fe80::/10,
    site-local fec0::/10, multicast ff00::/8
"""
_BLOCKED = tuple((item.strip(), ipaddress.ip_network(item.split()[1])) for item in _RANGES.split(","))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchResult:
    status: int
    url: str
    body: bytes | None
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    elapsed: float

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_session(service: ServiceConfig) -> requests.Session:
    # Proxies and the CA bundle from [service] or the environment (proxy.py); nothing
    # else of the environment (.netrc credentials) is trusted.
    session = ProxySession(ProxySettings.resolve(service))
    pinned.install(session)
    session.headers.update(
        {"User-Agent": service.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    )
    return session


def fetch_feed(
    session: requests.Session,
    url: str,
    *,
    service: ServiceConfig,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    attempt = _Attempt(service, etag, last_modified)
    host = _check_url(url)
    # A feed the operator put on a private host may redirect within it; a public one may not.
    # Where it is public, the address each connection resolves is checked again and
    # connected to as checked: a name answering public, then loopback, gets nowhere.
    guard = not service.allow_private_networks and is_private_address(host) is None
    deadline = _error(f"deadline exceeded after {service.deadline:g} s")
    with pinned.watch(service.deadline, _blocked_range if guard else None) as watch:
        try:
            result = _follow(session, url, attempt, guard)
        except FetchError:
            if watch.expired:
                raise deadline from None
            raise
        if watch.expired:  # cut mid-body: what was read is not the whole feed
            raise deadline
        return result


def _follow(session: requests.Session, url: str, attempt: _Attempt, guard: bool) -> FetchResult:
    service, current = attempt.service, url
    for _ in range(service.max_redirects + 1):
        attempt.check_deadline()
        with _get(session, current, attempt) as resp:
            target = _redirect_target(resp, current)
            if target is None:
                return _result(resp, attempt)
        _check_redirect(current, target, guard)
        current = target
    raise _error(f"too many redirects (more than {service.max_redirects})")


def parse_retry_after(value: str | None, *, now: datetime | None = None, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date); None if absent or garbage."""
    value = (value or "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]+", value):
        return float(min(float(value) if len(value) <= 15 else math.inf, cap))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    now = now or datetime.now(UTC)
    when, now = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (when, now))
    return float(min(max((when - now).total_seconds(), 0.0), cap))


def is_private_address(host_or_ip: str | IPAddress) -> str | None:
    """The name of the blocked range ``host_or_ip`` is in (any of its DNS answers), or None.

    An unresolvable name gives None: a request to it cannot connect anywhere.
    """
    try:
        addresses = _addresses(host_or_ip)
    except (OSError, UnicodeError, ValueError):
        return None
    for address in addresses:
        if name := _blocked_range(address):
            return name
    return None


def _addresses(host: str | IPAddress) -> list[IPAddress]:
    if not isinstance(host, str):
        return [host]
    host = host.strip().strip("[]").rstrip(".")
    with contextlib.suppress(ValueError):
        return [ipaddress.ip_address(host)]
    if ":" not in host:  # the numeric forms the C resolver accepts: 2130706433, 0x7f.1, 0177.0.0.1, 127.1
        with contextlib.suppress(OSError):
            return [ipaddress.IPv4Address(socket.inet_aton(host))]
    return [
        ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    ]


def _blocked_range(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            inner = _blocked_range(address.ipv4_mapped)
            return f"{inner} via IPv4-mapped ::ffff:0:0/96" if inner else "IPv4-mapped ::ffff:0:0/96"
        # IPv6 forms that carry an IPv4 address a gateway would reach.
        if address.sixtofour is not None and (inner := _blocked_range(address.sixtofour)):
            return f"{inner} via 6to4 2002::/16"
        if address in _NAT64 and (inner := _blocked_range(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))):
            return f"{inner} via NAT64 {_NAT64}"
    for name, network in _BLOCKED:
        if address.version == network.version and address in network:
            return name
    return None if address.is_global else f"special-purpose {address}"


def _check_url(url: str, *, redirect: bool = False) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _error("invalid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        where = " in redirect" if redirect else ""
        raise _error(f"scheme not allowed{where}: {scheme or 'none'!r} (only http and https)")
    if not parts.hostname:
        raise _error(f"invalid URL: no host in {_redact(url)}")
    return parts.hostname


def _check_redirect(current: str, target: str, guard: bool) -> None:
    host = _check_url(target, redirect=True)
    if urlsplit(current).scheme.lower() == "https" and urlsplit(target).scheme.lower() == "http":
        raise _error(f"downgrade refused: https redirected to {_redact(target)}")
    if guard and (blocked := is_private_address(host)):
        raise _error(f"redirect to private address ({blocked}): {_redact(target)}")


@dataclass
class _Attempt:
    service: ServiceConfig
    etag: str | None
    last_modified: str | None
    started: float = field(default_factory=time.monotonic)

    @property
    def validators(self) -> dict[str, str]:
        pairs = (("If-None-Match", self.etag), ("If-Modified-Since", self.last_modified))
        return {name: value for name, value in pairs if value is not None}

    def check_deadline(self) -> None:
        if time.monotonic() - self.started > self.service.deadline:
            raise _error(f"deadline exceeded after {self.service.deadline:g} s")


def _get(session: requests.Session, url: str, attempt: _Attempt) -> requests.Response:
    try:
        return session.get(
            url,
            headers=attempt.validators,
            timeout=(attempt.service.connect_timeout, attempt.service.read_timeout),
            allow_redirects=False,
            stream=True,
        )
    except (requests.RequestException, u3.HTTPError, OSError, ValueError) as exc:
        raise _error(_describe(exc)) from None


def _redirect_target(resp: requests.Response, current: str) -> str | None:
    location = resp.headers.get("Location")
    if resp.status_code not in REDIRECT_STATUSES or not location:
        return None
    with contextlib.suppress(UnicodeError):  # http.client decodes as latin-1; servers mostly send UTF-8
        location = location.encode("latin-1").decode("utf-8")
    return urljoin(current, location.strip())


def _result(resp: requests.Response, attempt: _Attempt) -> FetchResult:
    status, service = resp.status_code, attempt.service
    if status == 304 and not attempt.validators:
        raise _error("not a feed: 304 without a conditional request", status=304)
    if status in (429, 503):
        wait = parse_retry_after(resp.headers.get("Retry-After"), cap=service.backoff_max)
        raise _error(_status_text(resp), status=status, retry_after=wait)
    if status != 304 and not 200 <= status < 300:
        raise _error(_status_text(resp), status=status)
    body = None if status == 304 else b"" if status == 204 else _read_body(resp, attempt)
    if body == b"":
        raise _error("not a feed: empty body", status=status)
    return FetchResult(
        status=status,
        url=resp.url,
        body=body,
        headers={name.lower(): value for name, value in resp.headers.items()},
        etag=resp.headers.get("ETag") or attempt.etag,
        last_modified=resp.headers.get("Last-Modified") or attempt.last_modified,
        elapsed=time.monotonic() - attempt.started,
    )


def _read_body(resp: requests.Response, attempt: _Attempt) -> bytes:
    cap = attempt.service.max_body_bytes
    length = resp.headers.get("Content-Length", "").strip()
    if length.isdigit() and int(length) > cap:
        raise _error(f"too large: more than {cap} bytes")
    body = bytearray()
    try:
        # read1 returns what has arrived (read() would wait for a full chunk, past the deadline), and
        # urllib3 decompresses no more than asked for: never more than one byte past the cap.
        while chunk := resp.raw.read1(min(CHUNK, cap + 1 - len(body)), decode_content=True):
            body += chunk
            if len(body) > cap:
                raise _error(f"too large: more than {cap} bytes")
            attempt.check_deadline()
    except (u3.HTTPError, OSError, requests.RequestException) as exc:
        raise _error(_describe(exc)) from None
    return bytes(body)


def _status_text(resp: requests.Response) -> str:
    try:
        phrase = HTTPStatus(resp.status_code).phrase
    except ValueError:
        phrase = (resp.reason or "")[:60]
    return f"HTTP {resp.status_code} {phrase}".strip()


_NETWORK_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    # Before the timeouts: urllib3's NewConnectionError subclasses ConnectTimeoutError.
    ((u3.NameResolutionError, socket.gaierror), "host not found"),
    ((ConnectionRefusedError,), "connection refused"),
    ((ConnectionResetError,), "connection reset by the server"),
    ((requests.ConnectTimeout,), "timed out connecting"),
    ((requests.ReadTimeout, u3.ReadTimeoutError, TimeoutError), "timed out waiting for the server"),
    ((ssl.SSLError, u3.SSLError, requests.exceptions.SSLError), "TLS handshake failed"),
    ((u3.DecodeError, requests.exceptions.ContentDecodingError), "bad compressed body"),
    ((u3.ProtocolError, requests.exceptions.ChunkedEncodingError), "connection broken while reading"),
    ((requests.exceptions.InvalidHeader,), "invalid request header (a bad ETag or Last-Modified?)"),
    ((requests.exceptions.InvalidURL, u3.LocationParseError, ValueError), "invalid URL"),
    ((u3.NewConnectionError, ConnectionError, requests.ConnectionError), "could not connect"),
)


def _describe(exc: BaseException) -> str:
    """A short message for a network failure; never the exception text, which can hold the URL."""
    chain = list(_causes(exc))
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"TLS certificate rejected: {e.verify_message}"
    for types, message in _NETWORK_ERRORS:
        if any(isinstance(e, types) for e in chain):
            return message
    return f"request failed ({type(exc).__name__})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        more = [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
        todo.extend(m for m in more if isinstance(m, BaseException))


def _redact(url: str) -> str:
    """The URL without userinfo, fragment or query values."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    with contextlib.suppress(ValueError):
        netloc += f":{parts.port}" if parts.port else ""
    query = "&".join(f"{p.split('=', 1)[0]}=***" for p in parts.query.split("&") if p)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _error(message: str, *, status: int | None = None, retry_after: float | None = None) -> FetchError:
    return FetchError(" ".join(message.split())[:300], status=status, retry_after=retry_after)
