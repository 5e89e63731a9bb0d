"""news-monitor: watch news feeds for a story and alert on every real change.

The public surface for plugin authors is this module, ``monitor.text``
(language helpers), ``monitor.alert_text`` and ``monitor.redact`` (for
notifiers) and ``monitor.testing`` (the test kit); nothing else is stable.
"""

from .api import Extractor, Notifier, PluginSettings, Story
from .errors import ConfigError, DeliveryError, PluginError
from .hookspecs import hookimpl
from .model import Alert, Article, Change, Claim, FactSpec

__all__ = [
    "Alert",
    "Article",
    "Change",
    "Claim",
    "ConfigError",
    "DeliveryError",
    "Extractor",
    "FactSpec",
    "Notifier",
    "PluginError",
    "PluginSettings",
    "Story",
    "hookimpl",
]

__version__ = "0.1.0"
