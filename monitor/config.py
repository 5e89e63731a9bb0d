"""Load and validate ``monitor.toml``.

Every problem is one ``ConfigError`` line that names the file, the key (with
its line where it can be found) and what is wrong. Secrets never live in the
file: keys ending in ``_env`` name environment variables read at use time.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .configcheck import SECRET_WORDS, TomlChecks, parse_interval
from .configtypes import (
    MIN_INTERVAL,
    AlertsConfig,
    ChannelConfig,
    Config,
    FeedConfig,
    PolicyRule,
    RetentionConfig,
    ServiceConfig,
    WebConfig,
)
from .errors import ConfigError

__all__ = [
    "KNOWN_KEYS",
    "AlertsConfig",
    "ChannelConfig",
    "Config",
    "FeedConfig",
    "PolicyRule",
    "RetentionConfig",
    "ServiceConfig",
    "WebConfig",
    "load_config",
    "parse_interval",
    "resolve_config_path",
]

DEFAULT_CONFIG = Path("config/monitor.toml")


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to use: ``--config``, then ``MONITOR_CONFIG``, then
    ``config/monitor.toml`` in the working folder; None means the embedded default."""
    chosen = explicit or os.environ.get("MONITOR_CONFIG")
    if chosen:
        return Path(chosen)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def embedded_default_text() -> str:
    return resources.files("monitor").joinpath("defaults/monitor.toml").read_text("utf-8")


def load_config(path: Path | None, *, environ: Mapping[str, str] | None = None) -> Config:
    environ = os.environ if environ is None else environ
    if path is None:
        source, text, root = "<embedded default config>", embedded_default_text(), Path.cwd()
    else:
        source = str(path)
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise ConfigError("file not found", path=source) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc}", path=source) from None
        folder = path.resolve().parent
        # config/monitor.toml lives in the project's config folder; relative
        # paths in it are relative to the project, not to config/.
        root = folder.parent if folder.name == "config" else folder
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=source) from None
    return _Validator(source, text, root, environ).config(data, path)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# Every key the validator accepts, per table ("" is the top level; [plugins] also
# takes one [plugins.<name>] table per plugin, [[channels]] the keys of its
# notifier type). docs/configuration.md documents each one (a test keeps it so).
KNOWN_KEYS: dict[str, set[str]] = {
    "": {
        "database",
        "service",
        "plugins",
        "feeds",
        "channels",
        "baseline",
        "policy",
        "alerts",
        "web",
        "retention",
    },
    "database": {"url"},
    "service": set(ServiceConfig.__dataclass_fields__),
    "plugins": {"dirs", "disabled"},
    "feeds": {"name", "url", "interval", "enabled", "outlet"},
    "channels": {"name", "type", "digest"},
    "baseline": {"article", "story", "learning_hours"},
    "policy": {"rules"},
    "policy.rules": {"match", "quorum", "disputed"},
    "alerts": set(AlertsConfig.__dataclass_fields__),
    "web": set(WebConfig.__dataclass_fields__),
    "retention": set(RetentionConfig.__dataclass_fields__),
}


class _Validator(TomlChecks):
    """Builds a ``Config`` from the parsed TOML, one table at a time."""

    def config(self, data: dict[str, Any], path: Path | None) -> Config:
        self.check_keys(data, KNOWN_KEYS[""], None)
        database = self.table(data, "database")
        self.check_keys(database, KNOWN_KEYS["database"], "database")
        url = self.environ.get("MONITOR_DATABASE_URL") or database.get("url") or "sqlite:///state/monitor.db"
        if not isinstance(url, str):
            raise self.error("must be a string", "database", "url")
        service = self.service(self.table(data, "service"))
        plugins = self.table(data, "plugins")
        options = {k: v for k, v in plugins.items() if isinstance(v, dict)}
        self.check_keys(
            {k: v for k, v in plugins.items() if k not in options}, {"dirs", "disabled"}, "plugins"
        )
        dirs = self.string_list(plugins.get("dirs", []), "plugins", "dirs")
        disabled = self.string_list(plugins.get("disabled", []), "plugins", "disabled")
        for name, table in options.items():
            self.env_names(table, f"plugins.{name}")
        baseline = self.table(data, "baseline")
        self.check_keys(baseline, KNOWN_KEYS["baseline"], "baseline")
        article = baseline.get("article")
        if article is not None and not isinstance(article, str):
            raise self.error("must be a path string", "baseline", "article")
        story = baseline.get("story")
        if story is not None and not (isinstance(story, str) and story):
            raise self.error("must be a story's name", "baseline", "story")
        learning = baseline.get("learning_hours", 24.0)
        if isinstance(learning, bool) or not isinstance(learning, int | float) or learning < 0:
            raise self.error("must be a number of hours, 0 or more", "baseline", "learning_hours")
        return Config(
            path=path,
            root=self.root,
            database_url=self.database_url(url),
            feeds=self.feeds(data.get("feeds", []), service.min_interval),
            service=service,
            plugin_dirs=tuple(self.root / d for d in dirs),
            disabled_plugins=tuple(disabled),
            plugin_options=options,
            channels=self.channels(data.get("channels", [])),
            policy=self.policy(self.table(data, "policy")),
            alerts=self.alerts(self.table(data, "alerts"), data.get("channels", [])),
            baseline_article=self.root / article if article else None,
            baseline_story=story,
            learning_hours=float(learning),
            web=self.web(self.table(data, "web")),
            raw=data,
            retention=RetentionConfig(
                **self.durations(self.table(data, "retention"), "retention", RetentionConfig)
            ),
        )

    def database_url(self, url: str) -> str:
        # sqlite:///relative/path is relative to the project folder.
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.root / url[len(prefix) :])
        if not re.match(r"^[a-z0-9+]+://", url):
            raise self.error(f"{url!r} is not a database URL", "database", "url")
        return url

    def service(self, table: dict[str, Any]) -> ServiceConfig:
        defaults = ServiceConfig()
        allowed = set(ServiceConfig.__dataclass_fields__)
        self.check_keys(table, allowed, "service")
        values: dict[str, Any] = {}
        for key, value in table.items():
            default = getattr(defaults, key)
            if key == "jitter":
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 0.5:
                    raise self.error("must be a fraction from 0 to 0.5", "service", key)
                value = float(value)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise self.error("must be true or false", "service", key)
            elif isinstance(default, int | float):
                try:
                    value = parse_interval(value) if isinstance(default, float) else value
                except ValueError as exc:
                    raise self.error(str(exc), "service", key) from None
                if isinstance(default, int) and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 1
                ):
                    raise self.error("must be a whole number of at least 1", "service", key)
            elif not isinstance(value, str) or not value.strip():
                raise self.error("must be a non-empty string", "service", key)
            values[key] = value
        if values.get("user_agent", "x").strip() == "":
            raise self.error("must not be empty", "service", "user_agent")
        return ServiceConfig(**values)

    def feeds(self, items: Any, min_interval: float = MIN_INTERVAL) -> tuple[FeedConfig, ...]:
        if not isinstance(items, list):
            raise self.error("must be an array of tables: [[feeds]]", None, "feeds")
        feeds: list[FeedConfig] = []
        names: set[str] = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.error("must be a table", "feeds", None, index)
            self.check_keys(item, KNOWN_KEYS["feeds"], "feeds", index)
            name = item.get("name")
            if not isinstance(name, str) or not re.match(r"^[\w.-]{1,100}$", name):
                raise self.error(
                    "missing or bad name: letters, digits, '-', '_', '.' only", "feeds", "name", index
                )
            if name in names:
                raise self.error(f"feed name {name!r} is used twice", "feeds", "name", index)
            names.add(name)
            if "url" not in item:
                raise self.error("missing key 'url'", "feeds", None, index)
            url = self.url(item["url"], "feeds", "url", index)
            try:
                interval = parse_interval(item.get("interval", "15m"))
            except ValueError as exc:
                raise self.error(str(exc), "feeds", "interval", index) from None
            if interval < min_interval:
                raise self.error(
                    f"{item['interval']!r} is shorter than the minimum of {min_interval:g}s "
                    "(lower [service] min_interval only on purpose)",
                    "feeds",
                    "interval",
                    index,
                )
            enabled = item.get("enabled", True)
            if not isinstance(enabled, bool):
                raise self.error("must be true or false", "feeds", "enabled", index)
            outlet = item.get("outlet")
            if outlet is not None and not isinstance(outlet, str):
                raise self.error("must be a string", "feeds", "outlet", index)
            feeds.append(FeedConfig(name=name, url=url, interval=interval, enabled=enabled, outlet=outlet))
        return tuple(feeds)

    def channels(self, items: Any) -> tuple[ChannelConfig, ...]:
        """Channel tables are checked here for their shape; each notifier type
        then checks its own options once the plugins are loaded."""
        if not isinstance(items, list):
            raise self.error("must be an array of tables: [[channels]]", None, "channels")
        channels: list[ChannelConfig] = []
        names: set[str] = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.error("must be a table", "channels", None, index)
            name, kind = item.get("name"), item.get("type")
            if not isinstance(name, str) or not re.match(r"^[\w.-]{1,100}$", name):
                raise self.error("missing or bad name", "channels", "name", index)
            if name in names:
                raise self.error(f"channel name {name!r} is used twice", "channels", "name", index)
            names.add(name)
            if not isinstance(kind, str):
                raise self.error("missing key 'type'", "channels", "type", index)
            self.env_names(item, "channels", index)
            for key in item:
                if any(w in key for w in SECRET_WORDS) and not key.endswith("_env"):
                    raise self.error(
                        f"secrets come from the environment: use '{key}_env = \"VARIABLE\"'",
                        "channels",
                        key,
                        index,
                    )
            digest = None
            if "digest" in item:
                try:
                    digest = parse_interval(item["digest"])
                except ValueError as exc:
                    raise self.error(str(exc), "channels", "digest", index) from None
            options = {k: v for k, v in item.items() if k not in ("name", "type", "digest")}
            channels.append(
                ChannelConfig(
                    name=name,
                    type=kind,
                    options=options,
                    line=self.line_of("channels", None, index),
                    digest=digest,
                )
            )
        return tuple(channels)

    def alerts(self, table: dict[str, Any], channels: Any) -> AlertsConfig:
        table = dict(table)
        operator = table.pop("operator_channel", None)
        names = (
            {c.get("name") for c in channels if isinstance(c, dict)} if isinstance(channels, list) else set()
        )
        if operator is not None and (not isinstance(operator, str) or operator not in names):
            raise self.error(
                f"{operator!r} is not the name of a configured channel", "alerts", "operator_channel"
            )
        self.check_keys(table, set(AlertsConfig.__dataclass_fields__) - {"operator_channel"}, "alerts")
        return AlertsConfig(**self.durations(table, "alerts", AlertsConfig), operator_channel=operator)

    def web(self, table: dict[str, Any]) -> WebConfig:
        self.check_keys(table, set(WebConfig.__dataclass_fields__), "web")
        self.env_names(table, "web")
        enabled, bind, port = (
            table.get("enabled", False),
            table.get("bind", "127.0.0.1"),
            table.get("port", 8080),
        )
        if not isinstance(enabled, bool):
            raise self.error("must be true or false", "web", "enabled")
        if not isinstance(bind, str) or not (bind == "localhost" or _is_ip(bind)):
            raise self.error(f"{bind!r} is not an IP address (or 'localhost')", "web", "bind")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise self.error("must be a port number from 0 to 65535", "web", "port")
        return WebConfig(enabled, bind, port, table.get("token_env", WebConfig.token_env))

    def durations(
        self, table: dict[str, Any], name: str, kind: type[AlertsConfig] | type[RetentionConfig]
    ) -> dict[str, float]:
        self.check_keys(table, set(kind.__dataclass_fields__), name)
        out: dict[str, float] = {}
        for key, value in table.items():
            try:
                out[key] = parse_interval(value)
            except ValueError as exc:
                raise self.error(str(exc), name, key) from None
        return out

    def policy(self, table: dict[str, Any]) -> tuple[PolicyRule, ...]:
        self.check_keys(table, KNOWN_KEYS["policy"], "policy")
        rules = table.get("rules", [])
        if not isinstance(rules, list):
            raise self.error("must be an array of tables: [[policy.rules]]", "policy", "rules")
        out = []
        for index, rule in enumerate(rules):
            if not isinstance(rule, dict):
                raise self.error("must be a table", "policy.rules", None, index)
            self.check_keys(rule, KNOWN_KEYS["policy.rules"], "policy.rules", index)
            match, quorum, disputed = rule.get("match"), rule.get("quorum", 1), rule.get("disputed", False)
            if not isinstance(match, str) or not match:
                raise self.error(
                    "missing or empty 'match' (a key glob or a topic)", "policy.rules", "match", index
                )
            if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
                raise self.error("must be a whole number of at least 1", "policy.rules", "quorum", index)
            if not isinstance(disputed, bool):
                raise self.error("must be true or false", "policy.rules", "disputed", index)
            out.append(PolicyRule(match, quorum, disputed))
        return tuple(out)
