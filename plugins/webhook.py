"""Webhook notifier: POSTs each alert as signed JSON, or to Slack or Discord.

Configure a channel in ``config/monitor.toml``::

    [[channels]]
    name = "ops-hook"
    type = "webhook"
    url = "https://hooks.example.org/monitor"
    secret_env = "MONITOR_WEBHOOK_SECRET"  # optional: "whsec_" + base64 secret
    format = "standard"                    # "standard" (default), "slack", "discord"
    timeout = 10                           # seconds to connect and to read
    headers = { "X-Team" = "desk" }        # optional extra headers

Formats: ``standard`` sends ``monitor.alert_text.payload(alert)``, the
versioned JSON document (``{"version": 1, "type": "monitor.changes", "id":
..., "test": ..., "changes": [...]}``, described in ``monitor.alert_text``);
``slack`` sends ``{"text": summary, "mrkdwn": true}`` for an incoming webhook;
``discord`` sends ``{"content": summary}`` cut to 2000 characters, with
mentions disabled.

Signing follows the Standard Webhooks specification: ``webhook-id`` is the
alert's id (the same on every attempt, so receivers can de-duplicate),
``webhook-timestamp`` is the attempt's time in integer seconds, and
``webhook-signature`` is ``v1,<base64 HMAC-SHA256>`` of
``f"{id}.{timestamp}.{body}"`` keyed with the base64-decoded secret (its
``whsec_`` prefix removed). A receiver recomputes it and rejects timestamps
more than five minutes off.

Answers: 2xx is delivered. Redirects are not followed and count as a
failure to retry (fix the URL). 429 and 5xx are retried, after the
receiver's ``Retry-After`` when it gives one (capped at 6 hours). 410 means
the endpoint is gone, other 4xx that the request is wrong: both are final.
Time-outs and connection errors are retried.

Safety: only http and https. Link-local and cloud metadata addresses
(169.254.0.0/16 with 169.254.169.254, fe80::/10, ...) are refused at start and
again when the host name resolves to one at send time; loopback and private
networks are allowed, since the operator chose the URL. The URL's user,
password, path tokens and query values are redacted in every error and log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import socket
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from monitor import Alert, ConfigError, DeliveryError, Notifier, __version__, hookimpl
from monitor.alert_text import one_line, payload, summary
from monitor.redact import redact_logs, redact_text, redact_url

__all__ = ["WebhookNotifier", "blocked_address", "parse_retry_after", "register_notifiers", "sign"]

log = logging.getLogger(__name__)

FORMATS = ("standard", "slack", "discord")
MAX_RETRY_AFTER = 6 * 3600.0
DISCORD_LIMIT = 2000
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110)
_RESERVED = {"content-type", "content-length", "host", "transfer-encoding"}
_RESERVED |= {"webhook-id", "webhook-timestamp", "webhook-signature"}  # set per alert and attempt
_METADATA_HOSTS = {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}
_BLOCKED_NETS = [
    ipaddress.ip_network(n)
    for n in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32")
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _as_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        if not re.fullmatch(r"[0-9a-fA-FxX.]+", host):
            return None
        try:  # legacy IPv4 forms a resolver accepts: 2852039166, 0xa9fea9fe, 169.254.43518
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def blocked_address(host: str) -> str | None:
    """Why a webhook may not go to ``host`` (a link-local or metadata address), or None."""
    if host.lower().rstrip(".") in _METADATA_HOSTS:
        return f"{host} is a cloud metadata host name"
    ip = _as_ip(host)
    if ip is not None and any(ip in net for net in _BLOCKED_NETS):
        return f"{ip} is a link-local or cloud metadata address"
    return None


def sign(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks ``webhook-signature`` value for one attempt."""
    digest = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` (seconds or an HTTP date) as seconds, capped at 6 hours;
    None for garbage or a date in the past."""
    value = (value or "").strip()
    if re.fullmatch(r"[0-9]{1,30}", value):
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(delta, MAX_RETRY_AFTER) if delta > 0 else None


@dataclass(frozen=True)
class _Settings:
    url: str
    secret_env: str | None
    format: str
    timeout: float
    headers: dict[str, str]


def _settings(config: Mapping[str, Any], options: Mapping[str, str]) -> _Settings:
    for key in config:
        if key not in options:
            raise ConfigError(f"unknown key '{key}'; known: {', '.join(options)}", key=key)
    url = config.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ConfigError("required: the http(s) URL to POST alerts to", key="url")
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        raise ConfigError(f"{redact_url(url)}: white space or control characters in the URL", key="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError(f"{redact_url(url)} is not a valid URL", key="url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(f"scheme {parts.scheme!r} not allowed: only http and https", key="url")
    if not parts.hostname:
        raise ConfigError(f"{redact_url(url)}: no host", key="url")
    if reason := blocked_address(parts.hostname):
        raise ConfigError(f"{redact_url(url)}: refused, {reason}", key="url")
    secret_env = config.get("secret_env")
    if secret_env is not None and not (isinstance(secret_env, str) and _ENV_NAME.fullmatch(secret_env)):
        raise ConfigError("must name an environment variable, e.g. MONITOR_WEBHOOK_SECRET", key="secret_env")
    fmt = config.get("format", "standard")
    if fmt not in FORMATS:
        raise ConfigError(f"must be one of {', '.join(FORMATS)}, not {fmt!r}", key="format")
    timeout = config.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
        raise ConfigError(
            f"must be a number of seconds above 0 and at most 300, not {timeout!r}", key="timeout"
        )
    headers = config.get("headers", {})
    if not isinstance(headers, Mapping):
        raise ConfigError('must be a table, e.g. { "X-Team" = "desk" }', key="headers")
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfigError(f"{name!r} is not a valid header name", key="headers")
        if name.lower() in _RESERVED:
            raise ConfigError(f"header {name!r} is set by the notifier itself", key="headers")
        # The value may be a credential: it is never repeated in a message.
        if not isinstance(value, str) or any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ConfigError(
                f"header {name!r}: the value must be a string without line breaks", key="headers"
            )
    return _Settings(url, secret_env, fmt, float(timeout), dict(headers))


class WebhookNotifier(Notifier):
    """POSTs alerts to one URL; see the module docstring for the options."""

    type: ClassVar[str] = "webhook"
    options: ClassVar[Mapping[str, str]] = {
        "url": "http(s) URL to POST to (required)",
        "secret_env": "environment variable holding the Standard Webhooks secret (whsec_...)",
        "format": '"standard" (default), "slack" or "discord"',
        "timeout": "seconds to connect and to read (default 10)",
        "headers": "table of extra request headers",
    }

    def __init__(self, name: str, config: Mapping[str, Any]):
        super().__init__(name, config)
        self.settings = _settings(self.config, self.options)
        redact_logs(self.settings.url)
        # Seconds since the epoch; replaceable so tests can show each attempt is stamped anew.
        self.clock = time.time

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> WebhookNotifier:
        return cls(name, config)

    def body(self, alert: Alert) -> bytes:
        if self.settings.format == "slack":
            # Slack reads &, < and > as control characters in message text.
            text = summary(alert).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            data: dict[str, Any] = {"text": text, "mrkdwn": True}
        elif self.settings.format == "discord":
            text = summary(alert)
            if len(text) > DISCORD_LIMIT:
                text = text[: DISCORD_LIMIT - 1] + "…"
            data = {"content": text, "allowed_mentions": {"parse": []}}
        else:
            data = payload(alert)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")

    def notify(self, alert: Alert) -> None:
        s = self.settings
        body = self.body(alert)
        secret = self._secret()
        self._check_resolved()
        timestamp = int(self.clock())
        headers = {
            "User-Agent": f"news-monitor/{__version__}",
            "Content-Type": "application/json",
            **s.headers,
            "webhook-id": alert.id,
            "webhook-timestamp": str(timestamp),
        }
        if secret is not None:
            headers["webhook-signature"] = sign(secret, alert.id, timestamp, body)
        try:
            response = requests.post(
                s.url, data=body, headers=headers, timeout=s.timeout, allow_redirects=False, stream=True
            )
        except requests.Timeout:
            raise self._error(f"timed out after {s.timeout:g}s", True) from None
        except requests.exceptions.SSLError as exc:
            raise self._error(f"TLS error: {_root_reason(exc)}", True) from None
        except requests.ConnectionError as exc:
            raise self._error(f"connection failed: {_root_reason(exc)}", True) from None
        except requests.RequestException as exc:
            raise self._error(f"request failed: {type(exc).__name__}", True) from None
        with response:
            status, excerpt = response.status_code, self._excerpt(response)
            self._check_status(status, response.headers, excerpt)
        log.info("webhook %r: delivered alert %s to %s (%d)", self.name, alert.id, redact_url(s.url), status)

    def _check_status(self, status: int, headers: Mapping[str, str], excerpt: str) -> None:
        if 200 <= status < 300:
            return
        if 300 <= status < 400:
            location = headers.get("Location")
            target = f" to {redact_url(location)}" if location else ""
            raise self._error(f"redirect ({status}){target} not followed; check the webhook URL", True)
        if status == 410:
            raise self._error(f"endpoint gone (410): {excerpt}", False, disable=True)
        if status in (408, 429) or status >= 500:
            retry_after = parse_retry_after(headers.get("Retry-After"))
            raise self._error(f"HTTP {status}: {excerpt}", True, retry_after)
        raise self._error(f"HTTP {status}: {excerpt}", False)

    def _secret(self) -> bytes | None:
        name = self.settings.secret_env
        if not name:
            return None
        value = os.environ.get(name)
        if not value:
            raise self._error(f"environment variable {name} is not set", True)
        try:
            secret = base64.b64decode(value.strip().removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            secret = b""
        if not secret:
            raise self._error(f"environment variable {name} is not a base64 secret (whsec_...)", True)
        return secret

    def _check_resolved(self) -> None:
        """A host name may resolve to the metadata address: check what it resolves to now."""
        host = urlsplit(self.settings.url).hostname or ""
        if _as_ip(host) is not None:
            return  # checked at start
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise self._error(
                f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}", True
            ) from None
        for info in infos:
            if reason := blocked_address(str(info[4][0])):
                raise self._error(f"refused: {host} resolves to {reason}", False)

    def _excerpt(self, response: requests.Response) -> str:
        try:
            raw = response.raw.read(4096, decode_content=True) or b""
            text = raw.decode(response.encoding or "utf-8", "replace")
        except Exception:  # a broken body or a bogus charset must not hide the status
            text = ""
        return one_line(text, 200) or "(empty body)"

    def _error(
        self, message: str, retryable: bool, retry_after: float | None = None, *, disable: bool = False
    ) -> DeliveryError:
        s = self.settings
        text = redact_text(f"webhook {self.name!r} ({redact_url(s.url)}): {message}", urls=[s.url])
        return DeliveryError(text, retryable=retryable, retry_after=retry_after, disable=disable)


def _root_reason(exc: BaseException) -> str:
    """The innermost OS-level reason (e.g. "[Errno 111] Connection refused"),
    without the URL that requests' own messages carry."""
    seen: set[int] = set()
    current: BaseException | None = exc
    reason = type(exc).__name__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            reason = f"[Errno {current.errno}] {current.strerror}" if current.errno else current.strerror
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = current.__cause__ or current.__context__ or nested or getattr(current, "reason", None)
        if not isinstance(current, BaseException):
            current = None
    return reason


@hookimpl
def register_notifiers(register: Any) -> None:
    register(WebhookNotifier)
