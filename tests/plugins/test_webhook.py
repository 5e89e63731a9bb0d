"""The webhook notifier against a real HTTP receiver on 127.0.0.1 that checks
the Standard Webhooks signature the way the specification tells receivers to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from monitor_plugins.webhook import MAX_RETRY_AFTER, WebhookNotifier, parse_retry_after

from monitor import ConfigError, DeliveryError
from monitor.model import Alert, Article, Change
from monitor.testing import LocalServer, Request, Response

SECRET_BYTES = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
TOLERANCE = 5 * 60


# -- the receiver -------------------------------------------------------------------


def verify(request: Request, secret: str = SECRET) -> bool:
    """A Standard Webhooks receiver's check: recompute the HMAC over
    "{id}.{timestamp}.{body}" with the base64-decoded secret, compare it in
    constant time with each "v1," signature, and reject stale timestamps."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    msg_id, stamp, signatures = (
        headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
    )
    if not (msg_id and stamp and signatures):
        return False
    if abs(time.time() - int(stamp)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{stamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver:
    """Answers each POST with the next scripted response, after checking its signature."""

    def __init__(self, server: LocalServer, path: str = "/hook") -> None:
        self.server, self.path = server, path
        self.script: list[Response] = []
        self.verified: list[bool] = []
        self.url = server.route(path, self.handle)

    def handle(self, request: Request) -> Response:
        ok = verify(request)
        self.verified.append(ok)
        if not ok:
            return Response(401, b"bad signature")
        return self.script.pop(0) if self.script else Response(200, b"ok")

    @property
    def requests(self) -> list[Request]:
        return self.server.by_path[self.path]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer().start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def receiver(server: LocalServer) -> Receiver:
    return Receiver(server)


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- alerts -------------------------------------------------------------------------

ARTICLE = Article(
    id="a1",
    title="Allies pledge troops",
    text="27 countries have pledged troops.",
    url="https://news.example.org/allies",
    published=datetime(2025, 11, 4, 10, 0, tzinfo=UTC),
    outlet="Example News",
)
PLEDGES = Change(
    key="coalition.coalition.troop_pledges",
    change="changed",
    old=26,
    new=27,
    baseline=26,
    evidence="27 countries have pledged troops.",
    extractor="coalition",
    label="countries pledging troops",
    article="a1",
)


def make_alert(*changes: Change, id: str = "alert_0001") -> Alert:
    return Alert(
        id=id,
        channel="hook",
        changes=list(changes) or [PLEDGES],
        articles={"a1": ARTICLE},
        outlets={PLEDGES.key: 2},
    )


def notifier(url: str, **options: Any) -> WebhookNotifier:
    config: dict[str, Any] = {"url": url, "secret_env": "HOOK_SECRET", "timeout": 5}
    config.update(options)
    return WebhookNotifier.from_config("hook", config)


# -- delivery -----------------------------------------------------------------------


def test_200_delivers_the_signed_standard_payload(receiver: Receiver) -> None:
    notifier(receiver.url).notify(make_alert())
    [request] = receiver.requests
    assert receiver.verified == [True]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-id"] == "alert_0001"
    data = json.loads(request.body)
    assert data["version"] == 1 and data["type"] == "monitor.changes" and data["id"] == "alert_0001"
    assert data["test"] is False
    [change] = data["changes"]
    assert (change["key"], change["old"], change["new"], change["outlets"]) == (PLEDGES.key, 26, 27, 2)
    assert change["article"]["published"] == "2025-11-04T10:00:00+00:00"


def test_extra_headers_are_sent(receiver: Receiver) -> None:
    notifier(receiver.url, headers={"X-Team": "desk"}).notify(make_alert())
    assert receiver.requests[0].headers["X-Team"] == "desk"


def test_unsigned_when_no_secret_is_configured(server: LocalServer) -> None:
    url = server.route("/open", lambda request: Response(200, b"ok"))
    WebhookNotifier.from_config("hook", {"url": url}).notify(make_alert())
    [request] = server.by_path["/open"]
    assert "webhook-signature" not in request.headers and request.headers["webhook-id"] == "alert_0001"


def test_500_is_retryable(receiver: Receiver) -> None:
    receiver.script.append(Response(500, b"internal error"))
    with pytest.raises(DeliveryError) as caught:
        notifier(receiver.url).notify(make_alert())
    assert caught.value.retryable and caught.value.retry_after is None
    assert "HTTP 500: internal error" in str(caught.value)


def test_retries_keep_the_webhook_id_with_a_fresh_timestamp_and_signature(receiver: Receiver) -> None:
    receiver.script += [Response(500, b"down"), Response(503, b"down")]
    channel = notifier(receiver.url)
    start = time.time()
    for offset in (0, 7, 19):
        channel.clock = lambda offset=offset: start + offset
        try:
            channel.notify(make_alert())
        except DeliveryError as error:
            assert error.retryable
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    stamps = [r.headers["webhook-timestamp"] for r in receiver.requests]
    signatures = [r.headers["webhook-signature"] for r in receiver.requests]
    assert ids == ["alert_0001"] * 3
    assert stamps == [str(int(start + offset)) for offset in (0, 7, 19)]
    assert len(set(signatures)) == 3
    assert receiver.verified == [True, True, True]
    assert len({r.body for r in receiver.requests}) == 1  # the same document each time


def test_a_wrong_secret_fails_the_receivers_check(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "whsec_" + base64.b64encode(b"another secret entirely!").decode())
    with pytest.raises(DeliveryError) as caught:
        notifier(receiver.url).notify(make_alert())
    assert receiver.verified == [False]
    assert "HTTP 401" in str(caught.value) and not caught.value.retryable


def test_secret_without_prefix_and_missing_secret(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", base64.b64encode(SECRET_BYTES).decode())
    notifier(receiver.url).notify(make_alert())
    assert receiver.verified == [True]
    monkeypatch.delenv("HOOK_SECRET")
    with pytest.raises(DeliveryError, match="HOOK_SECRET is not set") as caught:
        notifier(receiver.url).notify(make_alert())
    assert caught.value.retryable
    monkeypatch.setenv("HOOK_SECRET", "whsec_not base64!")
    with pytest.raises(DeliveryError, match="not a base64 secret") as caught:
        notifier(receiver.url).notify(make_alert())
    assert "not base64!" not in str(caught.value)


def test_429_with_retry_after_3600(receiver: Receiver) -> None:
    receiver.script.append(Response(429, b"slow down", {"Retry-After": "3600"}))
    with pytest.raises(DeliveryError) as caught:
        notifier(receiver.url).notify(make_alert())
    assert caught.value.retryable and caught.value.retry_after == 3600


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("99999999", MAX_RETRY_AFTER),
        ("garbage", None),
        ("-5", None),
        ("1.5", None),
        ("", None),
        (format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True), None),
        (format_datetime(datetime.now(UTC) + timedelta(days=30), usegmt=True), MAX_RETRY_AFTER),
    ],
)
def test_retry_after_is_capped_or_ignored(receiver: Receiver, header: str, expected: float | None) -> None:
    receiver.script.append(Response(503, b"busy", {"Retry-After": header}))
    with pytest.raises(DeliveryError) as caught:
        notifier(receiver.url).notify(make_alert())
    assert caught.value.retryable and caught.value.retry_after == expected


def test_retry_after_as_a_future_http_date() -> None:
    now = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 04 Nov 2025 10:02:00 GMT", now=now) == 120
    assert parse_retry_after("Tue, 04 Nov 2025 09:00:00 GMT", now=now) is None


@pytest.mark.parametrize(
    ("status", "words"),
    [(410, "endpoint gone (410): no such hook"), (404, "HTTP 404: no such hook"), (400, "HTTP 400")],
)
def test_gone_and_other_4xx_are_final_with_the_reason(receiver: Receiver, status: int, words: str) -> None:
    receiver.script.append(Response(status, b"no such hook " + b"x" * 500))
    with pytest.raises(DeliveryError) as caught:
        notifier(receiver.url).notify(make_alert())
    assert not caught.value.retryable
    assert caught.value.disable is (status == 410)  # only a gone endpoint takes the channel out of use
    assert words in str(caught.value)
    assert "x" * 200 not in str(caught.value)  # only the start of the body


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(server: LocalServer, receiver: Receiver, status: int) -> None:
    moved = server.route("/moved", lambda request: Response(status, b"", {"Location": receiver.url}))
    with pytest.raises(DeliveryError) as caught:
        notifier(moved).notify(make_alert())
    assert caught.value.retryable
    assert f"redirect ({status})" in str(caught.value) and "not followed" in str(caught.value)
    assert server.hits["/moved"] == 1 and receiver.requests == []


def test_timeout_is_retryable(server: LocalServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(200, b"late")

    url = server.route("/slow", slow)
    with pytest.raises(DeliveryError, match=r"timed out after 0\.3s") as caught:
        notifier(url, timeout=0.3).notify(make_alert())
    assert caught.value.retryable


def test_connection_refused_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        notifier(f"http://127.0.0.1:{closed_port()}/hook").notify(make_alert())
    assert caught.value.retryable and "Connection refused" in str(caught.value)


# -- secrets in the URL -------------------------------------------------------------

TOKENS = ("pa55word", "s3cr3tT0ken-xyz", "abc123querytoken")


def test_tokens_in_the_url_are_redacted_in_errors_and_logs(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = "/hook/s3cr3tT0ken-xyz"

    def echo(request: Request) -> Response:  # a receiver that repeats the URL it was called with
        return Response(500, f"error handling {request.path}".encode())

    server.route(path, echo)
    moved = server.route(
        "/m/s3cr3tT0ken-xyz", lambda r: Response(302, b"", {"Location": f"{path}?token=abc123querytoken"})
    )
    secret_url = f"http://user:pa55word@127.0.0.1:{server.port}{path}?token=abc123querytoken"
    errors = []
    for url in (
        secret_url,
        moved.replace("http://", "http://user:pa55word@") + "?token=abc123querytoken",
        f"http://user:pa55word@127.0.0.1:{closed_port()}{path}?token=abc123querytoken",
    ):
        with pytest.raises(DeliveryError) as caught:
            notifier(url).notify(make_alert())
        errors.append(caught.value)
    with pytest.raises(ConfigError) as config_error:
        notifier(secret_url.replace("http://", "ftp://"))
    with pytest.raises(ConfigError) as blocked:
        notifier("http://user:pa55word@169.254.169.254/latest/s3cr3tT0ken-xyz?token=abc123querytoken")
    texts = [str(e) for e in errors] + [str(config_error.value), str(blocked.value), caplog.text]
    texts += [repr(e.args) for e in errors]
    for text in texts:
        for token in TOKENS:
            assert token not in text
    assert "http://***@127.0.0.1" in str(errors[0]) and "/hook/***?token=***" in str(errors[0])
    assert all(e.__cause__ is None and (e.__context__ is None or e.__suppress_context__) for e in errors)
    assert server.by_path[path], "the receiver was reached with the real URL"


# -- chat formats -------------------------------------------------------------------


def test_slack_payload_shape(receiver: Receiver) -> None:
    alert = make_alert(Change(key="coalition.coalition.headquarters", change="new", new="<!channel> & Paris"))
    notifier(receiver.url, format="slack").notify(alert)
    data = json.loads(receiver.requests[0].body)
    assert set(data) == {"text", "mrkdwn"} and data["mrkdwn"] is True
    assert data["text"].startswith("coalition.coalition.headquarters: &lt;!channel&gt; &amp; Paris (new)")


def test_discord_payload_shape_is_cut_to_2000_characters(receiver: Receiver) -> None:
    long = Change(
        key="coalition.coalition.headquarters", change="new", new="Paris", evidence="@everyone " * 40
    )
    notifier(receiver.url, format="discord").notify(make_alert(PLEDGES, *[long] * 10))
    data = json.loads(receiver.requests[0].body)
    assert set(data) == {"content", "allowed_mentions"}
    assert data["allowed_mentions"] == {"parse": []}
    assert len(data["content"]) == 2000 and data["content"].endswith("…")
    assert data["content"].startswith("Coalition: countries pledging troops: 26 -> 27")


# -- configuration ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.170.2/v2/credentials",
        "http://2852039166/",
        "http://0xa9fea9fe/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_metadata_addresses_are_refused_at_config(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        notifier(url)
    assert caught.value.key == "url" and "refused" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "https://[::1]/x"])
def test_loopback_and_private_addresses_are_allowed(url: str) -> None:
    assert notifier(url).settings.url == url


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"url": "ftp://example.org/x"}, "url", "only http and https"),
        ({"url": "file:///etc/passwd"}, "url", "only http and https"),
        ({"url": "javascript:alert(1)"}, "url", "only http and https"),
        ({"url": "http:///nohost"}, "url", "no host"),
        ({"url": "http://example.org:99999/"}, "url", "not a valid URL"),
        ({"url": "http://example.org/a\nb"}, "url", "white space"),
        ({"url": ""}, "url", "required"),
        ({"format": "teams"}, "format", "standard, slack, discord"),
        ({"secret_env": "not a name"}, "secret_env", "environment variable"),
        ({"secret": "whsec_x"}, "secret", "unknown key"),
        ({"timeout": -1}, "timeout", "seconds"),
        ({"headers": {"webhook-id": "x"}}, "headers", "set by the notifier"),
        ({"headers": {"X-Token": "a\r\nInjected: 1"}}, "headers", "without line breaks"),
        ({"headers": {"Bad Name": "x"}}, "headers", "not a valid header name"),
        ({"headers": "X-A: b"}, "headers", "must be a table"),
    ],
)
def test_bad_options_are_refused_with_one_clear_line(options: dict[str, Any], key: str, words: str) -> None:
    config = {"url": "https://hooks.example.org/x", **options}
    with pytest.raises(ConfigError) as caught:
        WebhookNotifier.from_config("hook", config)
    assert caught.value.key == key
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert "a\r\nInjected" not in str(caught.value)


def test_registers_through_the_hook() -> None:
    from monitor_plugins import webhook as plugin

    registered: list[type] = []
    plugin.register_notifiers(registered.append)
    assert registered == [WebhookNotifier] and WebhookNotifier.type == "webhook"
    assert "[[channels]]" in (plugin.__doc__ or "") and 'type = "webhook"' in (plugin.__doc__ or "")
