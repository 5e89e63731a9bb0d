"""Email notifier: each alert as one multipart message, plain text and HTML.

Configure a channel in ``config/monitor.toml``::

    [[channels]]
    name = "newsroom"
    type = "email"
    smtp_host = "smtp.example.org"
    smtp_port = 587                         # default: 587 starttls, 465 ssl, 25 none
    security = "starttls"                   # "starttls" (default), "ssl" or "none"
    username_env = "MONITOR_SMTP_USER"      # optional; log in with the user and
    password_env = "MONITOR_SMTP_PASSWORD"  # password these variables hold
    from = "News Monitor <monitor@example.org>"
    to = ["desk@example.org", "Editor <editor@bücher.example>"]
    timeout = 30                            # seconds, per connection step

What it sends and promises:

- The subject names the change ("Coalition: countries pledging troops:
  26 -> 27 (+2 more)"); the body comes from ``monitor.alert_text``.
- ``Message-ID`` is derived from the alert's id, so a re-delivery after a
  crash is the same message to mail clients. ``In-Reply-To`` and
  ``References`` name one id per fact key, so alerts about one fact thread.
- ``security = "starttls"`` never falls back to plain text: a server without
  STARTTLS or with a bad certificate leaves the alert pending ("TLS error:
  ..."). Credentials are sent only over TLS, unless ``security = "none"``.
  The password is read from the environment at send time and never logged.
- Addresses are checked at start: line breaks, white space, empty addresses
  and quotes are refused; IDN domains are accepted and sent in their ASCII
  (``xn--``) form.
- Errors: no connection, time-outs, TLS failures and 4xx replies are
  retried; 5xx replies (550 ...) are final and carry the server's reply. A
  failed login is retried, since fixing the password should not lose alerts.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import logging
import os
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import formatdate
from typing import Any, ClassVar

from monitor import Alert, ConfigError, DeliveryError, Notifier, alert_text, hookimpl
from monitor.redact import redact_text

__all__ = ["EmailNotifier", "Mailbox", "message_id", "parse_address", "register_notifiers", "thread_id"]

log = logging.getLogger(__name__)

MSGID_DOMAIN = "monitor.local"
_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(\.{_ATOM})*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_ID_SAFE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


@dataclass(frozen=True)
class Mailbox:
    """A checked address; ``addr_spec`` is ASCII (an IDN domain in xn-- form)."""

    display_name: str
    addr_spec: str

    def header(self) -> Address:
        return Address(display_name=self.display_name, addr_spec=self.addr_spec)


def parse_address(value: Any) -> Mailbox:
    """``user@example.org`` or ``Name <user@example.org>``, checked; ValueError says why not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("empty address")
    if any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029\x85" for ch in value):
        raise ValueError(f"{value!r} contains a line break or control character")
    if "=?" in value:
        raise ValueError(f"{value!r} contains an encoded word ('=?')")
    match = re.fullmatch(r"\s*([^<>]*?)\s*<([^<>]*)>\s*", value)
    name, spec = (match.group(1), match.group(2)) if match else ("", value)
    if re.search(r'[@,;:"\\]', name):
        raise ValueError(f'display name {name!r} must not contain @ , ; : " or \\')
    if not spec or any(ch.isspace() for ch in spec):
        raise ValueError(f"{spec!r} is not one address: white space is not allowed")
    local, at, domain = spec.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{spec!r} is not an address like name@example.org")
    if not _LOCAL_PART.fullmatch(local):
        raise ValueError(f"{spec!r}: the part before @ must be plain ASCII, without quotes")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"{spec!r}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{spec!r}: {domain!r} is not a valid domain name")
    return Mailbox(name, f"{local}@{ascii_domain}")


def _msgid(prefix: str, value: str) -> str:
    safe = _ID_SAFE.fullmatch(value) and len(value) <= 120
    return f"<{prefix}{value if safe else hashlib.sha256(value.encode()).hexdigest()[:32]}@{MSGID_DOMAIN}>"


def message_id(alert_id: str) -> str:
    """The Message-ID of an alert: the same on every (re-)send."""
    return _msgid("", alert_id)


def thread_id(key: str) -> str:
    """The Message-ID alerts about one fact key reply to, so they thread."""
    return _msgid("thread.", key)


@dataclass(frozen=True)
class _Settings:
    host: str
    port: int
    security: str
    username_env: str | None
    password_env: str | None
    sender: Mailbox
    recipients: tuple[Mailbox, ...]
    timeout: float


def _settings(config: Mapping[str, Any], options: Mapping[str, str]) -> _Settings:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(message, key=key)

    for key in config:
        if key not in options:
            raise fail(key, f"unknown key '{key}'; known: {', '.join(options)}")
    host = config.get("smtp_host")
    if not isinstance(host, str) or not host.strip() or any(ch.isspace() for ch in host.strip()):
        raise fail("smtp_host", "required: the SMTP server's host name, e.g. 'smtp.example.org'")
    security = config.get("security", "starttls")
    if security not in _PORTS:
        raise fail("security", f"must be 'starttls', 'ssl' or 'none', not {security!r}")
    port = config.get("smtp_port", _PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise fail("smtp_port", f"must be a port number from 1 to 65535, not {port!r}")
    envs = {}
    for key in ("username_env", "password_env"):
        value = config.get(key)
        if value is not None and not (isinstance(value, str) and _ENV_NAME.fullmatch(value)):
            raise fail(key, "must name an environment variable, e.g. MONITOR_SMTP_PASSWORD")
        envs[key] = value
    if bool(envs["username_env"]) != bool(envs["password_env"]):
        raise fail(
            "password_env" if envs["username_env"] else "username_env",
            "set both username_env and password_env",
        )
    try:
        sender = parse_address(config.get("from"))
    except ValueError as exc:
        raise fail("from", f"bad sender address: {exc}") from None
    to = config.get("to")
    if not isinstance(to, list) or not to:
        raise fail("to", 'must be a non-empty list of addresses, e.g. ["desk@example.org"]')
    recipients = []
    for value in to:
        try:
            recipients.append(parse_address(value))
        except ValueError as exc:
            raise fail("to", f"bad recipient address: {exc}") from None
    timeout = config.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise fail("timeout", f"must be a number of seconds above 0 and at most 600, not {timeout!r}")
    return _Settings(host.strip(), port, security, *envs.values(), sender, tuple(recipients), timeout)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    raw = exc.smtp_error
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return alert_text.one_line(f"{exc.smtp_code} {text}", 300)


class EmailNotifier(Notifier):
    """Sends alerts by SMTP; see the module docstring for the options."""

    type: ClassVar[str] = "email"
    options: ClassVar[Mapping[str, str]] = {
        "smtp_host": "SMTP server host name (required)",
        "smtp_port": "SMTP port; default 587 (starttls), 465 (ssl) or 25 (none)",
        "security": '"starttls" (default), "ssl" or "none"',
        "username_env": "environment variable holding the SMTP user name",
        "password_env": "environment variable holding the SMTP password",
        "from": "sender address, e.g. 'News Monitor <monitor@example.org>' (required)",
        "to": "list of recipient addresses (required)",
        "timeout": "seconds to wait for the server at each step (default 30)",
    }

    def __init__(self, name: str, config: Mapping[str, Any]):
        super().__init__(name, config)
        self.settings = _settings(self.config, self.options)

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> EmailNotifier:
        return cls(name, config)

    @property
    def where(self) -> str:
        return f"email channel {self.name!r} via {self.settings.host}:{self.settings.port}"

    def build_message(self, alert: Alert) -> EmailMessage:
        message = EmailMessage(policy=email.policy.SMTP)
        message["Subject"] = alert_text.subject(alert)
        message["From"] = self.settings.sender.header()
        message["To"] = [r.header() for r in self.settings.recipients]
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(alert.id)
        if alert.changes:
            thread = thread_id(alert.changes[0].key)
            message["In-Reply-To"] = thread
            message["References"] = thread
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(alert_text.plain_text(alert))
        message.add_alternative(alert_text.html(alert), subtype="html")
        return message

    def notify(self, alert: Alert) -> None:
        message = self.build_message(alert)
        raw = message.as_bytes()
        # Belt and braces against header injection: what goes out must parse
        # back to exactly the headers that were set.
        parsed = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        if [k.lower() for k in parsed] != [k.lower() for k in message]:
            raise DeliveryError(
                f"{self.where}: message headers do not parse back as built; not sent", retryable=False
            )
        username, password = self._credentials()
        secrets = [password, base64.b64encode(password.encode()).decode()] if password else []
        try:
            self._send(raw, username, password)
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            raise self._refused(exc.recipients, secrets) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise self._error(f"login refused: {_reply(exc)}", True, secrets) from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(f"server replied {_reply(exc)}", exc.smtp_code < 500, secrets) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise self._error(f"connection closed by the server: {exc}", True, secrets) from None
        except smtplib.SMTPException as exc:
            raise self._error(f"SMTP error: {exc}", True, secrets) from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
            raise self._error(f"TLS error: {reason}", True, secrets) from None
        except TimeoutError:
            raise self._error(f"timed out after {self.settings.timeout:g}s", True, secrets) from None
        except OSError as exc:
            raise self._error(f"cannot connect: {exc.strerror or exc}", True, secrets) from None
        log.info("%s: sent alert %s to %d recipients", self.where, alert.id, len(self.settings.recipients))

    def _credentials(self) -> tuple[str | None, str | None]:
        s = self.settings
        if not (s.username_env and s.password_env):
            return None, None
        username, password = os.environ.get(s.username_env), os.environ.get(s.password_env)
        missing = [n for n, v in ((s.username_env, username), (s.password_env, password)) if not v]
        if missing:
            raise DeliveryError(
                f"{self.where}: environment variable {', '.join(missing)} is not set", retryable=True
            )
        return username, password

    def _send(self, raw: bytes, username: str | None, password: str | None) -> None:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{self.where}: TLS error: the server does not offer STARTTLS; not sending in plain text",
                        retryable=True,
                    )
                client.starttls(context=context)
                client.ehlo()
            if username is not None and password is not None:
                client.login(username, password)
            refused = client.sendmail(s.sender.addr_spec, [r.addr_spec for r in s.recipients], raw)
        if refused:
            # Some recipients took it. A temporary refusal is retried (the others
            # may then get it twice, with the same Message-ID); a permanent one
            # cannot be helped by a retry: the alert is dead-lettered with the
            # refused addresses and the reason (the core sends the operator one
            # notice), saying who did get it.
            error = self._refused(refused, [])
            if error.retryable:
                raise error
            delivered = len(s.recipients) - len(refused)
            raise DeliveryError(
                f"delivered to {delivered} of {len(s.recipients)} recipients; {error}", retryable=False
            )

    def _refused(self, recipients: Mapping[str, tuple[int, bytes]], secrets: list[str]) -> DeliveryError:
        replies = [f"{a}: {_reply(smtplib.SMTPResponseException(c, m))}" for a, (c, m) in recipients.items()]
        temporary = any(code < 500 for code, _ in recipients.values())
        return self._error(f"recipients refused: {'; '.join(replies)}", temporary, secrets)

    def _error(self, message: str, retryable: bool, secrets: list[str]) -> DeliveryError:
        text = redact_text(f"{self.where}: {message}", secrets=secrets)
        return DeliveryError(text, retryable=retryable)


@hookimpl
def register_notifiers(register: Any) -> None:
    register(EmailNotifier)
