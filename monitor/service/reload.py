"""SIGHUP: read the config file again and take its feeds and channels, without dropping work in flight.

Polls already running finish with the feed they leased; a delivery pass
already running finishes with the channels it has; the next claim and the
next pass use the new config. A config that no longer loads, or whose
channels no longer build, is refused with one log line and the service runs
on with the old one. ``[database]`` and the pool sizes in ``[service]`` take
effect at the next start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..config import Config, load_config
from ..deliver.delivery import Deliverer
from ..errors import MonitorError
from .runtime import Runtime

__all__ = ["Delivery", "reload_config"]

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """The deliverer the delivery job uses; swapped whole on reload (a pass running keeps its own)."""

    deliverer: Deliverer | None

    def run(self) -> None:
        deliverer = self.deliverer
        if deliverer is None:
            return
        try:
            deliverer.deliver_due()
        except Exception:
            log.exception("alert delivery pass failed; retrying at the next tick")


def reload_config(rt: Runtime, delivery: Delivery) -> Config | None:
    """The new config once in use, or None when it was refused (the old one stays)."""
    try:
        config = load_config(rt.config.path)
    except MonitorError as exc:
        log.error("reload refused, running on with the old config: %s", exc)
        return None
    if config.database_url != rt.config.database_url:
        log.warning("reload: [database] changes take effect at the next start")
    old = rt.config
    rt.config = config
    try:
        deliverer = Deliverer(rt) if config.channels else None
        rt.store.sync_feeds(config.feeds)
    except MonitorError as exc:
        rt.config = old
        log.error("reload refused, running on with the old config: %s", exc)
        return None
    delivery.deliverer = deliverer
    log.info("reloaded %s: %d feeds, %d channels", config.source, len(config.feeds), len(config.channels))
    return config
