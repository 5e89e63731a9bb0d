"""Exceptions shared by the core and plugins."""

from __future__ import annotations

__all__ = ["ConfigError", "DatabaseError", "DeliveryError", "FetchError", "MonitorError", "PluginError"]


class MonitorError(Exception):
    """Base of every error the service reports in one line."""


class ConfigError(MonitorError):
    """The config is unusable. The message names the file, the key and what is wrong."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path, self.key, self.reason = path, key, message
        where = ": ".join(p for p in (path, f"[{key}]" if key else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class DatabaseError(MonitorError):
    """The database cannot be used (unreachable, corrupt, read-only, full, no driver):
    one line that says what and where; commands exit with status 2."""


class FetchError(MonitorError):
    """A feed could not be fetched or parsed; ``retry_after`` is seconds, if the server said."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


class PluginError(MonitorError):
    """A plugin raised or returned garbage. Names the plugin, the stage and the resource."""

    def __init__(self, plugin: str, stage: str, resource: str, reason: str):
        self.plugin, self.stage, self.resource, self.reason = plugin, stage, resource, reason
        super().__init__(f"plugin {plugin!r} failed in {stage} for {resource}: {reason}")


class DeliveryError(MonitorError):
    """A notifier could not deliver an alert.

    ``retryable`` false means retrying cannot help (a 404, a rejected
    address): the alert is marked dead at once. ``disable`` says the
    channel itself is gone (an HTTP 410): the core stops using it until an
    operator enables it again. ``retry_after`` is the receiver's own wish,
    in seconds.
    """

    def __init__(
        self, message: str, *, retryable: bool = True, retry_after: float | None = None, disable: bool = False
    ):
        super().__init__(message)
        self.retryable, self.retry_after, self.disable = retryable, retry_after, disable
