"""The configured channels: one notifier each, checked at start; and a test alert through one."""

from __future__ import annotations

from ..api import Notifier
from ..config import ChannelConfig, Config
from ..errors import ConfigError, DeliveryError
from ..model import Alert, Change
from ..plugins import PluginHost
from ..store.types import utcnow

__all__ = ["make_channel", "make_channels", "send_test"]

GENERIC_CHANNEL_KEYS = {"digest"}


def make_channels(config: Config, host: PluginHost) -> dict[str, Notifier]:
    """One notifier per configured channel; a bad channel is a ConfigError naming it."""
    channels: dict[str, Notifier] = {}
    for index, channel in enumerate(config.channels):
        channels[channel.name] = make_channel(config, host, channel, index)
    return channels


def make_channel(config: Config, host: PluginHost, channel: ChannelConfig, index: int) -> Notifier:
    where = f"{config.source}:{channel.line}" if channel.line else config.source
    kind = host.notifier_types.get(channel.type)
    if kind is None:
        known = ", ".join(sorted(host.notifier_types)) or "none loaded"
        raise ConfigError(
            f"unknown channel type {channel.type!r} (known: {known})",
            path=where,
            key=f"channels[{index}].type",
        )
    for key in channel.options:
        if key not in kind.options and key not in GENERIC_CHANNEL_KEYS:
            raise ConfigError(
                f"unknown key {key!r} for a {channel.type} channel (known: "
                f"{', '.join(sorted(kind.options))})",
                path=where,
                key=f"channels[{index}].{key}",
            )
    try:
        return kind.from_config(channel.name, channel.options)
    except ConfigError as exc:
        raise ConfigError(
            exc.reason, path=where, key=f"channels[{index}].{exc.key or channel.type}"
        ) from None
    except Exception as exc:
        raise ConfigError(
            f"the {channel.type} notifier refused this channel: {exc}", path=where, key=f"channels[{index}]"
        ) from None


def send_test(config: Config, host: PluginHost, channel_name: str) -> tuple[bool, str]:
    """Send a test alert through one channel and say what happened."""
    channels = make_channels(config, host)
    if channel_name not in channels:
        raise ConfigError(f"no channel named {channel_name!r}", path=config.source)
    change = Change(
        key="monitor.test.message",
        change="changed",
        old="before",
        new="after",
        baseline="before",
        evidence="This is a test alert from news-monitor.",
        extractor="monitor",
        label="Test message",
    )
    alert = Alert(id=f"alert_test_{utcnow():%Y%m%d%H%M%S}", channel=channel_name, changes=[change], test=True)
    notifier = channels[channel_name]
    try:
        notifier.notify(alert)
    except DeliveryError as exc:
        kind = "temporary" if exc.retryable else "permanent"
        return False, f"{channel_name}: FAILED ({kind}): {exc}"
    except Exception as exc:
        return False, f"{channel_name}: FAILED (notifier error): {type(exc).__name__}: {exc}"
    return True, f"{channel_name}: delivered test alert {alert.id}"
