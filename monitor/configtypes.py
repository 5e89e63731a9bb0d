"""What a loaded ``monitor.toml`` holds: plain frozen dataclasses (``config.py`` reads and checks the file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AlertsConfig",
    "ChannelConfig",
    "Config",
    "FeedConfig",
    "PolicyRule",
    "RetentionConfig",
    "ServiceConfig",
    "WebConfig",
]


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    interval: float = 900.0
    enabled: bool = True
    outlet: str | None = None


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    options: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None
    digest: float | None = None  # collect for this many seconds, then send one message


@dataclass(frozen=True)
class PolicyRule:
    """How changes to keys matching ``match`` (a glob, or a topic name) are alerted."""

    match: str
    quorum: int = 1  # distinct outlets that must agree before a change is accepted
    disputed: bool = False  # alert reports that contradict the current value


@dataclass(frozen=True)
class AlertsConfig:
    retry_base: float = 10.0
    retry_max: float = 3 * 3600.0
    dead_after: float = 48 * 3600.0
    lease: float = 120.0
    tick: float = 5.0
    notice_interval: float = 6 * 3600.0  # at most one operator notice per channel this often
    operator_channel: str | None = None  # where notices about failing channels go


@dataclass(frozen=True)
class RetentionConfig:
    """How long what is no longer needed is kept; None keeps it for ever (monitor/store/retention.py)."""

    alerts: float | None = None  # sent and dead alerts older than this are deleted
    articles: float | None = None  # article bodies fetched before this are dropped
    interval: float = 3600.0  # how often the daemon prunes


MIN_INTERVAL = 60.0


@dataclass(frozen=True)
class ServiceConfig:
    user_agent: str = "news-monitor/0.1 (+https://github.com/news-monitor/news-monitor)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_entries: int = 500
    max_field_chars: int = 20_000
    concurrency: int = 8
    per_host: int = 2
    backoff_base: float = 60.0
    backoff_max: float = 6 * 3600.0
    jitter: float = 0.1
    lease: float = 300.0
    tick: float = 5.0
    heartbeat: float = 10.0
    allow_private_networks: bool = False
    plugin_timeout: float = 30.0
    # The shortest feed interval accepted: a typo like "0.001s" must not hammer a
    # server. Lower it only on purpose (a test against a local server).
    min_interval: float = MIN_INTERVAL
    http_proxy: str = ""  # default: HTTP_PROXY / ALL_PROXY from the environment
    https_proxy: str = ""  # default: HTTPS_PROXY / ALL_PROXY
    no_proxy: str = ""  # default: NO_PROXY
    ca_bundle: str = ""  # default: REQUESTS_CA_BUNDLE / SSL_CERT_FILE / CURL_CA_BUNDLE


@dataclass(frozen=True)
class WebConfig:
    """The read-only web interface (``monitor web``; inside ``monitor run`` when ``enabled``)."""

    enabled: bool = False
    bind: str = "127.0.0.1"  # any non-loopback address needs the secret named by token_env
    port: int = 8080
    token_env: str = "MONITOR_WEB_TOKEN"


@dataclass(frozen=True)
class Config:
    path: Path | None
    root: Path
    database_url: str
    feeds: tuple[FeedConfig, ...]
    service: ServiceConfig = ServiceConfig()
    plugin_dirs: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    plugin_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    channels: tuple[ChannelConfig, ...] = ()
    policy: tuple[PolicyRule, ...] = ()
    alerts: AlertsConfig = AlertsConfig()
    baseline_article: Path | None = None
    baseline_story: str | None = None  # the story [baseline] article is for (None: every story)
    learning_hours: float = 24.0  # a story without a baseline article learns its baseline this long
    web: WebConfig = WebConfig()
    retention: RetentionConfig = RetentionConfig()
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "<embedded default config>"
