"""What every stage needs, built lazily from the config: the store, the plugins, the HTTP session.

The poll, the daemon and delivery take a ``Runtime``; commands use the
``Monitor`` over it (``monitor.service.core``).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from functools import cached_property

import requests

from ..api import PluginSettings
from ..config import Config
from ..ingest.fetch import make_session
from ..plugins import PluginHost
from ..redact import looks_secret, redact_logs
from ..store import Store

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


def default_instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Runtime:
    config: Config
    instance: str = field(default_factory=default_instance_name)
    host: PluginHost | None = None

    @cached_property
    def store(self) -> Store:
        store = Store(self.config.database_url, pool_size=max(5, self.config.service.concurrency + 2))
        store.migrate()
        return store

    @cached_property
    def plugins(self) -> PluginHost:
        host = self.host or PluginHost(
            self.config.plugin_dirs,
            disabled=self.config.disabled_plugins,
            settings=PluginSettings(self.config.root, self.config.plugin_options),
        )
        return host.load()

    @cached_property
    def http(self) -> requests.Session:
        # urllib3 logs each request line at DEBUG; feed URLs with credentials
        # or query tokens must not appear there.
        for feed in self.config.feeds:
            if looks_secret(feed.url):
                redact_logs(feed.url)
        return make_session(self.config.service)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.dispose()
        if "http" in self.__dict__:
            self.http.close()
