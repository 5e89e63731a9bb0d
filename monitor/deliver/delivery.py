"""Delivery that loses nothing: outbox rows to notifiers, retried, per channel in order.

A change is stored with one outbox row per channel in the same transaction
(``Store.save_poll``). Delivery leases due rows, sends each through its channel's notifier, and
marks a row sent only after the channel accepted it. A crash between the
send and the mark re-sends the same alert, with the same id, so receivers
can de-duplicate: delivery is at-least-once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..api import Notifier
from ..config import Config
from ..errors import DeliveryError, PluginError
from ..model import Alert, Change
from ..plugins import PluginHost
from ..service.runtime import Runtime
from ..store import OutboxRow, Store, alert_id
from ..store.types import utcnow
from .channels import make_channels

__all__ = ["Deliverer", "DeliveryReport", "alert_id", "build_alert", "retry_delay"]

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)


def build_alert(
    store: Store, host: PluginHost, row_id: str, channel: str, change_ids: Sequence[int], attempt: int
) -> Alert:
    material = store.alert_material(change_ids)
    specs = host.vocabulary.specs_by_key({c.key for c in material.changes})
    changes = [replace(c, label=specs[c.key].label) if c.key in specs else c for c in material.changes]
    return Alert(
        id=row_id,
        channel=channel,
        changes=changes,
        articles=material.articles,
        outlets=material.outlets,
        attempt=attempt,
    )


def retry_delay(attempts: int, config: Config, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, from seconds up to ``retry_max``."""
    alerts = config.alerts
    ceiling = min(alerts.retry_max, alerts.retry_base * 2 ** max(0, attempts - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, alerts.retry_max))
    return delay


class Deliverer:
    """Sends due outbox rows; one failing channel never holds up another."""

    def __init__(self, rt: Runtime, channels: Mapping[str, Notifier] | None = None):
        self.rt = rt
        self.channels = dict(channels) if channels is not None else make_channels(rt.config, rt.plugins)
        self.digests = {c.name: c.digest for c in rt.config.channels if c.digest}

    def deliver_due(self, *, now: datetime | None = None) -> DeliveryReport:
        report = DeliveryReport()
        now = now or utcnow()
        rows = self.rt.store.claim_due_alerts(
            self.rt.instance, lease=self.rt.config.alerts.lease, now=now, channels=list(self.channels)
        )
        by_channel: dict[str, list[OutboxRow]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        for channel, channel_rows in by_channel.items():
            digest = self.digests.get(channel)
            if digest:
                if channel_rows[0].created_at > now - timedelta(seconds=digest):
                    self.rt.store.release_alerts([r.id for r in channel_rows])  # not yet: give the lease back
                    continue
                self._send(channel, channel_rows, report, now)
            else:
                for index, row in enumerate(channel_rows):
                    if not self._send(channel, [row], report, now):
                        # Failed or disabled: the rest wait behind it, so the channel
                        # gets its alerts in creation order.
                        self.rt.store.release_alerts([r.id for r in channel_rows[index + 1 :]])
                        break
        return report

    def _send(self, channel: str, rows: Sequence[OutboxRow], report: DeliveryReport, now: datetime) -> bool:
        """Send one alert; True when the channel may go on to its next one (sent, or dead
        without disabling the channel)."""
        ids = [r.id for r in rows]
        change_ids = sorted({i for r in rows for i in r.change_ids})
        attempts = max(r.attempts for r in rows) + 1
        row_id = ids[0] if len(rows) == 1 else alert_id(channel, ids)
        alert = build_alert(self.rt.store, self.rt.plugins, row_id, channel, change_ids, attempts)
        notifier = self.channels[channel]
        plugin = self.rt.plugins.owner_of(type(notifier))
        error: DeliveryError | None = None
        try:
            with self.rt.plugins.guard(plugin, "notify", f"alert {row_id} on channel {channel!r}"):
                notifier.notify(alert)
        except PluginError as exc:
            cause = exc.__cause__
            error = cause if isinstance(cause, DeliveryError) else DeliveryError(exc.reason, retryable=True)
        if error is None:
            self.rt.store.mark_sent(ids, attempts=attempts)
            report.sent.append(row_id)
            log.info("alert %s sent on %s", row_id, channel)
            return True
        message = str(error)[:2000]
        oldest = min(r.created_at for r in rows)
        expired = now - oldest >= timedelta(seconds=self.rt.config.alerts.dead_after)
        if error.retryable and not expired:
            delay = retry_delay(attempts, self.rt.config, error.retry_after)
            self.rt.store.mark_retry(
                ids, attempts=attempts, error=message, next_attempt_at=now + timedelta(seconds=delay)
            )
            report.retrying.append((row_id, message))
            log.warning(
                "alert %s on %s failed (attempt %d, next in %.0fs): %s",
                row_id,
                channel,
                attempts,
                delay,
                message,
            )
            return False
        reason = message if not error.retryable else f"gave up after {attempts} attempts: {message}"
        # A gone endpoint, or one failing for longer than dead_after, is
        # taken out of use: its alerts would only pile up.
        disable = error.disable or expired
        dead = self.rt.store.mark_dead(
            ids,
            attempts=attempts,
            reason=reason,
            channel=channel,
            disable=disable,
            notice_interval=self.rt.config.alerts.notice_interval,
        )
        report.dead.append((row_id, reason))
        log.error("alert %s on %s is dead: %s", row_id, channel, reason)
        if dead.disabled:
            log.error(
                "channel %s disabled: %s; 'monitor alerts enable %s' after fixing it",
                channel,
                reason,
                channel,
            )
        if dead.notice:
            self._notify_operator(channel, "disabled" if disable else "dead alert", reason)
        return not disable

    def _notify_operator(self, channel: str, what: str, reason: str) -> None:
        """Tell the operator, once per ``notice_interval``, through the operator channel."""
        operator = self.rt.config.alerts.operator_channel
        notifier = self.channels.get(operator or "")
        if notifier is None or operator == channel:
            return
        change = Change(
            key=f"monitor.channel.{channel}",
            change="changed",
            old="working",
            new=what,
            evidence=reason,
            extractor="monitor",
            label=f"Alert channel {channel!r}",
        )
        notice = Alert(
            id=f"notice_{channel}_{utcnow():%Y%m%d%H%M%S}", channel=operator or "", changes=[change]
        )
        try:
            with self.rt.plugins.guard(
                self.rt.plugins.owner_of(type(notifier)), "notify", f"notice on {operator}"
            ):
                notifier.notify(notice)
        except PluginError:
            log.error("could not tell the operator through %s that %s is %s", operator, channel, what)
