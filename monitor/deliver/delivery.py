"""Changes to alerts: policy, the outbox, and delivery that loses nothing.

A change is stored with one outbox row per channel in the same transaction.
Delivery leases due rows, sends each through its channel's notifier, and
marks a row sent only after the channel accepted it. A crash between the
send and the mark re-sends the same alert, with the same id, so receivers
can de-duplicate: delivery is at-least-once.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ..api import Notifier
from ..config import ChannelConfig, Config, PolicyRule
from ..errors import ConfigError, DeliveryError, PluginError
from ..extract.run import specs_by_key
from ..model import Alert, Change
from ..plugins import PluginHost
from ..store import articles as article_store
from ..store import channels as channel_store
from ..store import facts as fact_store
from ..store import outbox, schema
from ..store.types import utcnow

if TYPE_CHECKING:
    from ..service.core import Runtime

__all__ = ["DeliveryReport", "alert_id", "make_channels", "record_changes", "rule_for"]

log = logging.getLogger(__name__)

DEFAULT_RULE = PolicyRule("*")
GENERIC_CHANNEL_KEYS = {"digest"}


def rule_for(policy: Sequence[PolicyRule], key: str) -> PolicyRule:
    """The first rule whose glob (or topic name) matches ``key``."""
    for rule in policy:
        if fnmatch.fnmatchcase(key, rule.match) or key.startswith(rule.match + "."):
            return rule
    return DEFAULT_RULE


def alert_id(channel: str, change_ids: Sequence[int]) -> str:
    """Stable for the same changes on the same channel, so a re-send carries the same id."""
    digest = hashlib.sha256(f"{channel}:{','.join(map(str, sorted(change_ids)))}".encode()).hexdigest()
    return f"alert_{digest[:26]}"


def record_changes(session: Session, rt: Runtime, changes: Sequence[Change]) -> list[Change]:
    """Store changes under the policy and queue their alerts; returns what was stored.

    With a quorum above one, a change is accepted only once that many
    distinct outlets report the value; until then a contradicting report is
    stored as ``disputed`` (alerted if the rule says so) and a new key waits
    as ``pending``.
    """
    stored: list[Change] = []
    to_alert: list[Change] = []
    for change in changes:
        rule = rule_for(rt.config.policy, change.key)
        status = "accepted"
        short_of_quorum = (
            change.change != "event"
            and rule.quorum > 1
            and fact_store.outlets_reporting(session, change.key, change.new) < rule.quorum
        )
        if short_of_quorum:
            status = "disputed" if change.change == "changed" else "pending"
        if status == "disputed":
            change = replace(change, change="disputed")
        [saved] = fact_store.add_changes(session, [change], status=status)
        stored.append(saved)
        if status == "accepted" or (status == "disputed" and rule.disputed):
            to_alert.append(saved)
    ids = [c.id for c in to_alert if c.id is not None]
    if ids:
        disabled = channel_store.disabled_channels(session)
        for channel in rt.config.channels:
            if channel.name in disabled:
                log.warning("channel %s is disabled; changes %s not queued for it", channel.name, ids)
                continue
            session.add(schema.Alert(id=alert_id(channel.name, ids), channel=channel.name, change_ids=ids))
    return stored


# -- channels -----------------------------------------------------------------


def make_channels(config: Config, host: PluginHost) -> dict[str, Notifier]:
    """One notifier per configured channel; a bad channel is a ConfigError naming it."""
    channels: dict[str, Notifier] = {}
    for index, channel in enumerate(config.channels):
        channels[channel.name] = _make_channel(config, host, channel, index)
    return channels


def _make_channel(config: Config, host: PluginHost, channel: ChannelConfig, index: int) -> Notifier:
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


# -- delivery -----------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)


def build_alert(
    session: Session, host: PluginHost, row_id: str, channel: str, change_ids: Sequence[int], attempt: int
) -> Alert:
    changes = fact_store.list_changes(session, ids=change_ids)
    specs = specs_by_key(host, {c.key for c in changes})
    changes = [replace(c, label=specs[c.key].label) if c.key in specs else c for c in changes]
    articles = {}
    for change in changes:
        if change.article and change.article not in articles:
            article = article_store.get_article(session, change.article)
            if article:
                articles[change.article] = article
    outlets = {c.key: fact_store.outlets_reporting(session, c.key, c.new) for c in changes}
    return Alert(
        id=row_id, channel=channel, changes=changes, articles=articles, outlets=outlets, attempt=attempt
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
        with self.rt.store.transaction() as session:
            disabled = channel_store.disabled_channels(session)
            rows = outbox.claim_due_alerts(
                session,
                self.rt.instance,
                lease=self.rt.config.alerts.lease,
                now=now,
                channels=[name for name in self.channels if name not in disabled],
            )
        by_channel: dict[str, list[outbox.OutboxRow]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        for channel, channel_rows in by_channel.items():
            digest = self.digests.get(channel)
            if digest:
                if channel_rows[0].created_at > now - timedelta(seconds=digest):
                    with self.rt.store.transaction() as session:  # not yet: give the lease back
                        outbox.mark_alerts(session, [r.id for r in channel_rows])
                    continue
                self._send(channel, channel_rows, report, now)
            else:
                for index, row in enumerate(channel_rows):
                    if not self._send(channel, [row], report, now):
                        with self.rt.store.transaction() as session:  # disabled: hold the rest
                            outbox.mark_alerts(session, [r.id for r in channel_rows[index + 1 :]])
                        break
        return report

    def _send(
        self, channel: str, rows: Sequence[outbox.OutboxRow], report: DeliveryReport, now: datetime
    ) -> bool:
        """Send one alert; False when the channel was disabled by this failure."""
        ids = [r.id for r in rows]
        change_ids = sorted({i for r in rows for i in r.change_ids})
        attempts = max(r.attempts for r in rows) + 1
        row_id = ids[0] if len(rows) == 1 else alert_id(channel, change_ids)
        with self.rt.store.transaction() as session:
            alert = build_alert(session, self.rt.plugins, row_id, channel, change_ids, attempts)
        notifier = self.channels[channel]
        plugin = self.rt.plugins.owner_of(type(notifier))
        error: DeliveryError | None = None
        try:
            with self.rt.plugins.guard(plugin, "notify", f"alert {row_id} on channel {channel!r}"):
                notifier.notify(alert)
        except PluginError as exc:
            cause = exc.__cause__
            error = cause if isinstance(cause, DeliveryError) else DeliveryError(exc.reason, retryable=True)
        with self.rt.store.transaction() as session:
            if error is None:
                outbox.mark_alerts(
                    session, ids, status="sent", sent_at=utcnow(), attempts=attempts, last_error=None
                )
                report.sent.append(row_id)
                log.info("alert %s sent on %s", row_id, channel)
                return True
            message = str(error)[:2000]
            oldest = min(r.created_at for r in rows)
            expired = now - oldest >= timedelta(seconds=self.rt.config.alerts.dead_after)
            if not error.retryable or expired:
                reason = message if not error.retryable else f"gave up after {attempts} attempts: {message}"
                outbox.mark_alerts(session, ids, status="dead", attempts=attempts, last_error=reason)
                report.dead.append((row_id, reason))
                log.error("alert %s on %s is dead: %s", row_id, channel, reason)
                # A gone endpoint, or one failing for longer than dead_after, is
                # taken out of use: its alerts would only pile up.
                disable = error.disable or expired
                if disable and channel_store.disable_channel(session, channel, reason):
                    log.error(
                        "channel %s disabled: %s; 'monitor alerts enable %s' after fixing it",
                        channel,
                        reason,
                        channel,
                    )
                notice = channel_store.take_notice_slot(
                    session, channel, self.rt.config.alerts.notice_interval
                )
            else:
                delay = retry_delay(attempts, self.rt.config, error.retry_after)
                outbox.mark_alerts(
                    session,
                    ids,
                    attempts=attempts,
                    last_error=message,
                    next_attempt_at=now + timedelta(seconds=delay),
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
                return True
        if notice:
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


def send_test(rt: Runtime, channel_name: str) -> tuple[bool, str]:
    """Send a test alert through one channel and say what happened."""
    channels = make_channels(rt.config, rt.plugins)
    if channel_name not in channels:
        raise ConfigError(f"no channel named {channel_name!r}", path=rt.config.source)
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
