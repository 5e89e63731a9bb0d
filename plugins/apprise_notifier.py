"""Apprise notifier: any apprise URL is a channel (ntfy, Telegram, Matrix, Teams, Pushover, ...).

Needs the optional extra: ``pip install 'news-monitor[apprise]'``. Configure::

    [[channels]]
    name = "phones"
    type = "apprise"
    url_env = "MONITOR_APPRISE_URL"   # e.g. "ntfy://ntfy.example.org/newsdesk"; tokens live in it
    # url = "json://hooks.example.org/monitor"  # or in the file, when it carries no secret
    format = "text"                   # or "markdown"

Apprise URLs carry their service's token (``tgram://BOT_TOKEN/CHAT``), so
``url_env`` is the usual way; several URLs may be given separated by spaces
or commas. Each alert is sent with the subject as title and the summary as
body, ending with the alert's id (the same on every re-delivery, for
de-duplication). The outbox guarantees are the core's: an alert is marked
sent only once apprise reports every URL accepted it; anything else is a
retryable ``DeliveryError``, retried and finally dead like any channel's.
The URLs are redacted from every error.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from monitor import Alert, ConfigError, DeliveryError, Notifier, hookimpl
from monitor.alert_text import subject, summary
from monitor.redact import redact_text

__all__ = ["AppriseNotifier", "register_notifiers"]

log = logging.getLogger(__name__)

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FORMATS = ("text", "markdown")


def _apprise() -> Any:
    try:
        import apprise  # the optional extra: news-monitor[apprise]
    except ImportError:
        raise ConfigError(
            "apprise is not installed: pip install 'news-monitor[apprise]'", key="type"
        ) from None
    return apprise


def _split(value: str) -> list[str]:
    return [u for u in re.split(r"[\s,]+", value.strip()) if u]


class AppriseNotifier(Notifier):
    type: ClassVar[str] = "apprise"
    options: ClassVar[Mapping[str, str]] = {
        "url": "apprise URL(s), space- or comma-separated, when they carry no secret",
        "url_env": "environment variable holding the apprise URL(s) (they carry the service's token)",
        "format": '"text" (default) or "markdown"',
    }

    def __init__(self, name: str, config: Mapping[str, Any]):
        super().__init__(name, config)
        self.url: str | None = config.get("url")
        self.url_env: str | None = config.get("url_env")
        self.format: str = config.get("format", "text")

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> Notifier:
        apprise = _apprise()
        url, url_env, fmt = config.get("url"), config.get("url_env"), config.get("format", "text")
        if (url is None) == (url_env is None):
            raise ConfigError("give exactly one of url and url_env", key="url")
        if url_env is not None and not (isinstance(url_env, str) and _ENV_NAME.fullmatch(url_env)):
            raise ConfigError("must name an environment variable, e.g. MONITOR_APPRISE_URL", key="url_env")
        if fmt not in FORMATS:
            raise ConfigError(f"must be one of {', '.join(FORMATS)}", key="format")
        if url is not None:
            if not isinstance(url, str) or not _split(url):
                raise ConfigError("must be an apprise URL string", key="url")
            for one in _split(url):
                if apprise.Apprise.instantiate(one) is None:
                    raise ConfigError(
                        f"not an apprise URL apprise knows: {redact_text(one, [one])}", key="url"
                    )
        return cls(name, config)

    def _urls(self) -> list[str]:
        if self.url is not None:
            return _split(self.url)
        value = os.environ.get(self.url_env or "", "")
        if not _split(value):
            raise DeliveryError(f"channel {self.name}: environment variable {self.url_env} is not set")
        return _split(value)

    def notify(self, alert: Alert) -> None:
        apprise = _apprise()
        urls = self._urls()
        sender = apprise.Apprise()
        for url in urls:
            if not sender.add(url):
                raise DeliveryError(
                    f"channel {self.name}: not an apprise URL: {redact_text(url, [url])}", retryable=False
                )
        body = f"{summary(alert)}\n\nalert id: {alert.id}"
        kind = apprise.NotifyFormat.MARKDOWN if self.format == "markdown" else apprise.NotifyFormat.TEXT
        try:
            accepted = sender.notify(body=body, title=subject(alert), body_format=kind)
        except Exception as exc:  # apprise's services raise what their libraries raise
            raise DeliveryError(
                f"channel {self.name}: apprise failed: {redact_text(str(exc), urls)}", retryable=True
            ) from None
        if not accepted:
            raise DeliveryError(f"channel {self.name}: apprise reports the message was not accepted")


@hookimpl
def register_notifiers(register: Any) -> None:
    register(AppriseNotifier)
