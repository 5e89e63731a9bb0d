"""The email notifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from monitor_plugins.email import EmailNotifier, message_id, parse_address, thread_id

from monitor import ConfigError, DeliveryError
from monitor.model import Alert, Article, Change

PASSWORD = "s3cret-Passw0rd!"


# -- the peer -----------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def header_lines(self) -> list[str]:
        head = self.content.split(b"\r\n\r\n", 1)[0].decode("ascii")
        return [line for line in head.split("\r\n") if line and not line[0].isspace()]


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received and can answer DATA with scripted replies."""

    data_replies: list[str] = field(default_factory=list)
    rcpt_reply: str | None = None
    received: list[Received] = field(default_factory=list)
    mails: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.mails.append(address)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@dataclass
class Authenticator:
    ok: bool = True
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.calls.append((mechanism, auth_data))
        return AuthResult(success=self.ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(handler: Recorder, **kwargs: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass
class Cert:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Cert]:
    """Self-signed certificates: one for 127.0.0.1, one for another host name."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make test certificates")
    folder = tmp_path_factory.mktemp("tls")
    made = {}
    for name, san in (("local", "IP:127.0.0.1,DNS:localhost"), ("wrong", "DNS:wrong.example")):
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
                *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"),
                *("-addext", f"subjectAltName={san}"),
            ],
            check=True,
            capture_output=True,
        )
        made[name] = Cert(cert, key)
    return made


# -- alerts -------------------------------------------------------------------------

ARTICLE = Article(
    id="a1",
    title="Allies pledge troops",
    text="27 countries have pledged troops.",
    url="https://news.example.org/allies",
    published=datetime(2025, 11, 4, 10, 0, tzinfo=UTC),
    outlet="Example News",
)


def change(key: str = "coalition.coalition.troop_pledges", **overrides: Any) -> Change:
    fields: dict[str, Any] = {
        "key": key,
        "change": "changed",
        "old": 26,
        "new": 27,
        "baseline": 26,
        "evidence": "27 countries have pledged troops.",
        "extractor": "coalition",
        "label": "countries pledging troops",
        "article": "a1",
    }
    fields.update(overrides)
    return Change(**fields)


def make_alert(*changes: Change, id: str = "alert_0001", article: Article = ARTICLE) -> Alert:
    return Alert(
        id=id,
        channel="mail",
        changes=list(changes) or [change()],
        articles={article.id: article},
        outlets={"coalition.coalition.troop_pledges": 2},
    )


def notifier(controller: Controller | None = None, **options: Any) -> EmailNotifier:
    config: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": controller.port if controller else free_port(),
        "security": "none",
        "from": "News Monitor <monitor@example.org>",
        "to": ["desk@example.org", "editor@example.net"],
        "timeout": 5,
    }
    config.update(options)
    return EmailNotifier.from_config("mail", config)


# -- delivery -----------------------------------------------------------------------


def test_delivers_one_multipart_message_with_plain_text_and_html() -> None:
    handler = Recorder()
    with smtp_server(handler) as controller:
        notifier(controller).notify(make_alert())
    [mail] = handler.received
    assert mail.mail_from == "monitor@example.org"
    assert mail.rcpt_tos == ["desk@example.org", "editor@example.net"]
    message = mail.message
    assert message["Subject"] == "Coalition: countries pledging troops: 26 -> 27"
    assert message["From"] == "News Monitor <monitor@example.org>"
    assert message["Message-ID"] == "<alert_0001@monitor.local>"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    assert "Changed: 26 -> 27" in plain.get_content()
    assert "Link: https://news.example.org/allies" in plain.get_content()
    assert '<a href="https://news.example.org/allies">Allies pledge troops</a>' in rich.get_content()


def test_message_id_is_stable_across_re_sends_and_threads_per_fact_key() -> None:
    handler = Recorder()
    stance = change("coalition.DE.troop_stance", old="conditional", new="committed", label="troop stance")
    with smtp_server(handler) as controller:
        channel = notifier(controller)
        channel.notify(make_alert())
        channel.notify(make_alert())
        channel.notify(make_alert(change(new=28), id="alert_0002"))
        channel.notify(make_alert(stance, change(), id="alert_0003"))
    first, again, later, other = (mail.message for mail in handler.received)
    assert first["Message-ID"] == again["Message-ID"] == message_id("alert_0001")
    assert later["Message-ID"] == "<alert_0002@monitor.local>"
    pledges_thread = "<thread.coalition.coalition.troop_pledges@monitor.local>"
    for message in (first, again, later):
        assert message["In-Reply-To"] == message["References"] == pledges_thread
    assert other["In-Reply-To"] == other["References"] == thread_id("coalition.DE.troop_stance")
    assert other["In-Reply-To"] != pledges_thread


def test_unusual_ids_still_give_a_valid_stable_message_id() -> None:
    odd = message_id("weird id <with> @ signs")
    assert odd == message_id("weird id <with> @ signs")
    assert odd.startswith("<") and odd.endswith("@monitor.local>") and " " not in odd and odd.count("@") == 1


@pytest.mark.parametrize(
    "attack",
    [
        "\r\nBcc: x@evil.example",
        "\nBcc: x@evil.example",
        "=?UTF-8?Q?=0A?=Bcc: x@evil.example",
        "\rBcc: x@evil.example",
    ],
)
def test_header_injection_in_alert_text_adds_no_header_and_no_recipient(attack: str) -> None:
    hostile = Article(
        id="a1", title=f"Title{attack}", text="t", url="https://news.example.org/x", outlet=f"O{attack}"
    )
    alert = make_alert(
        change(new=f"Paris{attack}", label=f"headquarters{attack}", evidence=f"Evidence{attack}"),
        change(key="coalition.coalition.headquarters", new=attack),
        article=hostile,
    )
    handler = Recorder()
    with smtp_server(handler) as controller:
        notifier(controller).notify(alert)
    [mail] = handler.received
    assert mail.rcpt_tos == ["desk@example.org", "editor@example.net"]
    names = [line.split(":", 1)[0].lower() for line in mail.header_lines]
    assert names.count("subject") == 1
    assert not {"bcc", "cc"} & set(names)
    message = mail.message
    assert len(message.get_all("Subject")) == 1
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Bcc: x@evil.example" in message["Subject"]  # shown as text, harmlessly
    assert message.get_all("Bcc") is None and message.get_all("Cc") is None


def test_html_part_is_escaped_and_links_only_http() -> None:
    hostile = Article(
        id="a1",
        title='<script>alert(1)</script><img src=x onerror="alert(2)">',
        text="t",
        url="javascript:alert(3)",
        outlet="<iframe src=//evil.example>",
    )
    alert = make_alert(change(evidence='<a href="javascript:alert(4)">click</a>'), article=hostile)
    handler = Recorder()
    with smtp_server(handler) as controller:
        notifier(controller).notify(alert)
    rich = handler.received[0].message.get_body(("html",)).get_content()

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, dict(attrs)))

    parser = Tags()
    parser.feed(rich)
    tags = {tag for tag, _ in parser.found}
    assert not tags & {"script", "img", "iframe", "a"}
    assert not any(name.startswith("on") for _, attrs in parser.found for name in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rich
    assert 'href="javascript' not in rich


# -- failures -----------------------------------------------------------------------


def test_server_down_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        notifier(None).notify(make_alert())
    assert caught.value.retryable
    assert "cannot connect" in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_451_is_retried_and_550_is_final_with_the_servers_reply() -> None:
    handler = Recorder(data_replies=["451 4.3.0 Try again later", "550 5.7.1 Rejected by policy"])
    with smtp_server(handler) as controller:
        channel = notifier(controller)
        with pytest.raises(DeliveryError) as first:
            channel.notify(make_alert())
        with pytest.raises(DeliveryError) as second:
            channel.notify(make_alert())
        channel.notify(make_alert())
    assert first.value.retryable and "451 4.3.0 Try again later" in str(first.value)
    assert not second.value.retryable and "550 5.7.1 Rejected by policy" in str(second.value)
    assert len(handler.received) == 1


def test_recipients_refused_permanently_is_final() -> None:
    handler = Recorder(rcpt_reply="550 5.1.1 No such user")
    with smtp_server(handler) as controller, pytest.raises(DeliveryError) as caught:
        notifier(controller).notify(make_alert())
    assert not caught.value.retryable
    assert "desk@example.org: 550 5.1.1 No such user" in str(caught.value)


def test_recipients_refused_temporarily_is_retried() -> None:
    handler = Recorder(rcpt_reply="450 4.2.0 Mailbox busy")
    with smtp_server(handler) as controller, pytest.raises(DeliveryError) as caught:
        notifier(controller).notify(make_alert())
    assert caught.value.retryable


def test_starttls_required_but_not_offered_is_retryable_and_sends_no_auth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTP_USER", "monitor")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    handler, auth = Recorder(), Authenticator()
    # The server offers AUTH in plain text, tempting a client to log in without TLS.
    with smtp_server(handler, authenticator=auth, auth_require_tls=False) as controller:
        channel = notifier(
            controller, security="starttls", username_env="SMTP_USER", password_env="SMTP_PASSWORD"
        )
        with pytest.raises(DeliveryError) as caught:
            channel.notify(make_alert())
    assert caught.value.retryable
    assert "STARTTLS" in str(caught.value) and "TLS error" in str(caught.value)
    assert auth.calls == [] and handler.mails == [] and handler.received == []


@pytest.mark.parametrize("trusted", [None, "wrong"], ids=["self-signed", "wrong-host"])
def test_bad_certificate_is_a_retryable_tls_error_and_sends_no_auth(
    certs: dict[str, Cert], trusted: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_USER", "monitor")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    served = certs["wrong" if trusted else "local"]
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(certs[trusted].cert))
    handler, auth = Recorder(), Authenticator()
    with smtp_server(
        handler, tls_context=served.server_context(), require_starttls=True, authenticator=auth
    ) as controller:
        channel = notifier(
            controller, security="starttls", username_env="SMTP_USER", password_env="SMTP_PASSWORD"
        )
        with pytest.raises(DeliveryError) as caught:
            channel.notify(make_alert())
    assert caught.value.retryable
    assert "TLS error:" in str(caught.value)
    assert auth.calls == [] and handler.received == []


def test_starttls_with_a_trusted_certificate_logs_in_and_delivers(
    certs: dict[str, Cert], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs["local"].cert))
    monkeypatch.setenv("SMTP_USER", "monitor")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    handler, auth = Recorder(), Authenticator()
    with smtp_server(
        handler, tls_context=certs["local"].server_context(), require_starttls=True, authenticator=auth
    ) as controller:
        notifier(
            controller, security="starttls", username_env="SMTP_USER", password_env="SMTP_PASSWORD"
        ).notify(make_alert())
    assert [(data.login, data.password) for _, data in auth.calls] == [(b"monitor", PASSWORD.encode())]
    assert len(handler.received) == 1


def test_implicit_tls_delivers(certs: dict[str, Cert], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs["local"].cert))
    handler = Recorder()
    with smtp_server(handler, ssl_context=certs["local"].server_context()) as controller:
        notifier(controller, security="ssl").notify(make_alert())
    assert len(handler.received) == 1


def test_the_password_never_appears_in_errors_or_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SMTP_USER", "monitor")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    handler, auth = Recorder(), Authenticator(ok=False)
    errors = []
    with smtp_server(handler, authenticator=auth, auth_require_tls=False) as controller:
        channel = notifier(controller, username_env="SMTP_USER", password_env="SMTP_PASSWORD")
        with pytest.raises(DeliveryError) as refused:
            channel.notify(make_alert())
        errors.append(refused.value)
    with pytest.raises(DeliveryError) as down:
        notifier(None, username_env="SMTP_USER", password_env="SMTP_PASSWORD").notify(make_alert())
    errors.append(down.value)
    assert auth.calls, "the login was attempted"
    assert "login refused: 535" in str(errors[0]) and errors[0].retryable
    for error in errors:
        assert PASSWORD not in str(error) and PASSWORD not in repr(error.args)
        assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert PASSWORD not in caplog.text


def test_missing_password_variable_is_named_and_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("SMTP_USER", "monitor")
    channel = notifier(None, username_env="SMTP_USER", password_env="SMTP_PASSWORD")
    with pytest.raises(DeliveryError, match="SMTP_PASSWORD is not set") as caught:
        channel.notify(make_alert())
    assert caught.value.retryable


# -- configuration ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "a@b.c\nBcc: x@y.z",
        "a@b.c\r\nBcc: x@y.z",
        "a@b.c\r",
        "",
        "   ",
        "a@b.c Bcc:x@y.z",
        "a@b.c, x@y.z",
        "Name <a@b.c>, x@y.z",
        "x@y.z, Name <a@b.c>",
        "no-at-sign.example",
        "a@",
        "@b.c",
        "a@-bad-.example",
        "a@localhost",
        '"quoted"@b.c',
        "=?utf-8?q?a=0A?=@b.c",
        "a@b..c",
        None,
        42,
    ],
)
def test_invalid_recipients_are_refused_at_config(address: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        notifier(None, to=["ok@example.org", address])
    assert caught.value.key == "to"
    assert "bad recipient address" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_idn_recipient_is_accepted_and_sent_in_ascii_form() -> None:
    assert parse_address("user@bücher.example").addr_spec == "user@xn--bcher-kva.example"
    assert parse_address("Jörg Müller <jm@Bücher.Example>").display_name == "Jörg Müller"
    handler = Recorder()
    with smtp_server(handler) as controller:
        notifier(
            controller, to=["Jörg Müller <user@bücher.example>"], **{"from": "monitor@ünï.example"}
        ).notify(make_alert())
    [mail] = handler.received
    assert mail.rcpt_tos == ["user@xn--bcher-kva.example"]
    assert mail.mail_from == "monitor@xn--" + "ünï".encode("punycode").decode() + ".example"
    assert mail.message["To"].addresses[0].display_name == "Jörg Müller"
    assert mail.message["To"].addresses[0].domain == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"smtp_hots": "x"}, "smtp_hots", "unknown key"),
        ({"password": "x"}, "password", "unknown key"),
        ({"smtp_host": ""}, "smtp_host", "required"),
        ({"smtp_port": 0}, "smtp_port", "port number"),
        ({"smtp_port": "25"}, "smtp_port", "port number"),
        ({"security": "tls"}, "security", "starttls"),
        ({"username_env": "SMTP_USER"}, "password_env", "set both"),
        ({"username_env": "U", "password_env": "not a name"}, "password_env", "environment variable"),
        ({"from": "a@b.c\nBcc: x@y.z"}, "from", "bad sender"),
        ({"to": "desk@example.org"}, "to", "non-empty list"),
        ({"to": []}, "to", "non-empty list"),
        ({"timeout": 0}, "timeout", "seconds"),
        ({"timeout": True}, "timeout", "seconds"),
    ],
)
def test_bad_options_are_refused_with_one_clear_line(options: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        notifier(None, **options)
    assert caught.value.key == key
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_default_port_follows_security() -> None:
    for security, port in (("starttls", 587), ("ssl", 465), ("none", 25)):
        channel = EmailNotifier.from_config(
            "m",
            {
                "smtp_host": "smtp.example.org",
                "security": security,
                "from": "a@b.example",
                "to": ["c@d.example"],
            },
        )
        assert channel.settings.port == port


def test_registers_through_the_hook() -> None:
    from monitor_plugins import email as plugin

    registered: list[type] = []
    plugin.register_notifiers(registered.append)
    assert registered == [EmailNotifier] and EmailNotifier.type == "email"
    assert "[[channels]]" in (plugin.__doc__ or "") and 'type = "email"' in (plugin.__doc__ or "")


def test_headers_that_do_not_parse_back_as_built_are_never_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if an encoded word reached the mailer unbroken (some Python versions
    decode it into a line break while folding), no extra header goes out."""
    from monitor import alert_text

    monkeypatch.setattr(alert_text, "subject", lambda alert: "Paris =?UTF-8?Q?=0A?=Bcc: x@evil.example")
    handler = Recorder()
    with smtp_server(handler) as controller:
        try:
            notifier(controller).notify(make_alert())
        except DeliveryError as error:  # the Python in use folds the header into two
            assert not error.retryable and "do not parse back" in str(error)
    for mail in handler.received:
        assert len(mail.message.get_all("Subject")) == 1 and mail.message.get_all("Bcc") is None
        assert mail.rcpt_tos == ["desk@example.org", "editor@example.net"]
