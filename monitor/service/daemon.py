"""The long-running service: a claim loop on APScheduler, a bounded pool of polls.

Which feed is due is decided in the database (``next_poll_at`` plus a
lease), not in this process's memory, so several instances can share one
PostgreSQL. APScheduler runs the claim loop here; its job stores are never
shared between processes.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from types import FrameType
from urllib.parse import urlsplit

from apscheduler.schedulers.background import BackgroundScheduler

from .. import metrics
from ..deliver.delivery import Deliverer
from ..errors import MonitorError
from ..facts.baseline import ensure_baselines
from ..ingest.parse import expat_warning
from ..store import FeedRelease, FeedState, SchemaError, head_revision
from ..web import WebServer
from .notify import SystemdNotifier
from .poll import PollOutcome, next_poll_after_failure, poll_feed, retry_failed_extractions
from .reload import Delivery, reload_config
from .retention import prune_quietly
from .runtime import Runtime
from .startup import start_stories

__all__ = ["Poller", "poll_all", "run_daemon"]

log = logging.getLogger(__name__)

RETRY_EXTRACTIONS_SECONDS = 60.0


class Poller:
    """Polls leased feeds on a bounded pool, at most ``per_host`` at once per host."""

    def __init__(self, rt: Runtime, on_outcome: Callable[[PollOutcome], None] | None = None):
        self.rt = rt
        service = rt.config.service
        self.pool = ThreadPoolExecutor(max_workers=service.concurrency, thread_name_prefix="poll")
        self._host_slots: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(service.per_host)
        )
        self._lock = threading.Lock()
        self._in_flight = 0
        self.on_outcome = on_outcome or (lambda outcome: log.info("poll %s", outcome.log_line()))
        self.stopping = threading.Event()
        # Feeds being polled now, whose leases a thread renews every third of a
        # lease: a poll that outlives its lease must not let a second worker in.
        self._held: dict[int, str] = {}
        self._done = threading.Event()  # set once the last poll finished
        self._renewer = threading.Thread(target=self._renew_leases, name="lease-renewer", daemon=True)
        self._renewer.start()

    def _renew_leases(self) -> None:
        lease = self.rt.config.service.lease
        while not self._done.wait(lease / 3):
            with self._lock:
                held = dict(self._held)
            if not held:
                continue
            try:
                renewed = self.rt.store.renew_feed_leases(self.rt.instance, list(held), lease)
            except Exception:
                log.exception("could not renew leases; retrying")
                continue
            if renewed < len(held):
                log.warning("lost the lease of %d feed(s) being polled", len(held) - renewed)

    def claim(
        self, limit: int, *, names: Sequence[str] | None = None, force: bool = False
    ) -> list[FeedState]:
        return self.rt.store.claim_due_feeds(
            self.rt.instance, limit=limit, lease=self.rt.config.service.lease, names=names, force=force
        )

    def poll(self, feed: FeedState) -> PollOutcome:
        host = urlsplit(feed.url).hostname or ""
        with self._lock:
            self._held[feed.id] = feed.name
        try:
            outcome = self._poll(feed, host)
        finally:
            with self._lock:
                self._held.pop(feed.id, None)
        self.on_outcome(outcome)
        return outcome

    def _poll(self, feed: FeedState, host: str) -> PollOutcome:
        with self._host_slots[host]:
            try:
                outcome = poll_feed(self.rt, feed)
            except Exception as exc:  # a bug or a database fault must cost one poll, not the worker
                log.exception("poll of %s failed unexpectedly", feed.name)
                outcome = PollOutcome(feed.name, None, error=f"internal error: {type(exc).__name__}: {exc}")
                self._give_back(feed, outcome.error or "")
        metrics.poll_done(outcome)
        return outcome

    def _give_back(self, feed: FeedState, error: str) -> None:
        """Release the lease of a poll that died, so the feed is retried after a backoff
        instead of sitting out the whole lease."""
        now = datetime.now(UTC)
        failures = feed.consecutive_failures + 1
        try:
            self.rt.store.release_feed(
                FeedRelease(
                    feed.id,
                    self.rt.instance,
                    {
                        "last_poll_at": now,
                        "last_error": error[:2000],
                        "consecutive_failures": failures,
                        "next_poll_at": next_poll_after_failure(
                            failures, feed, self.rt.config.service, now, None
                        ),
                    },
                )
            )
        except Exception:
            log.exception("could not release %s; its lease will expire", feed.name)

    def tick(self) -> None:
        """Fill the free workers with due feeds; each worker keeps claiming until nothing is due."""
        metrics.scheduler_ticked()
        with self._lock:
            free = self.rt.config.service.concurrency - self._in_flight
            self._in_flight += max(free, 0)
        for _ in range(max(free, 0)):
            self.pool.submit(self._drain)

    def _drain(self) -> None:
        try:
            while not self.stopping.is_set():
                feeds = self.claim(1)
                if not feeds:
                    return
                self.poll(feeds[0])
        except Exception:
            log.exception("claim loop failed; retrying at the next tick")
        finally:
            with self._lock:
                self._in_flight -= 1

    def poll_once(self, names: Sequence[str] | None = None) -> list[PollOutcome]:
        """Lease every enabled feed (or those named) now and poll them all once."""
        feeds = self.claim(100_000, names=names, force=True)
        futures: list[Future[PollOutcome]] = [self.pool.submit(self.poll, feed) for feed in feeds]
        return [future.result() for future in futures]

    def shutdown(self) -> None:
        self.stopping.set()
        self.pool.shutdown(wait=True)
        self._done.set()
        self._renewer.join()


def poll_all(
    rt: Runtime,
    names: Sequence[str] | None = None,
    on_outcome: Callable[[PollOutcome], None] | None = None,
) -> list[PollOutcome]:
    """One pass now over every feed (or those named), as ``monitor poll`` does.

    Syncs the feeds with the config, builds the baselines of stories that have
    none, polls (``on_outcome`` hears of each feed as it finishes, from its
    worker thread), then reads again the articles some extractor failed on.
    """
    known = {f.name for f in rt.config.feeds}
    unknown = [name for name in names or () if name not in known]
    if unknown:
        raise MonitorError(f"no feed named {', '.join(map(repr, unknown))} in {rt.config.source}")
    rt.store.sync_feeds(rt.config.feeds)
    ensure_baselines(rt.store, rt.plugins, rt.config)
    poller = Poller(rt, on_outcome=on_outcome or (lambda outcome: None))
    try:
        outcomes = poller.poll_once(list(names) if names else None)
    finally:
        poller.shutdown()
    retry_failed_extractions(rt)
    return sorted(outcomes, key=lambda o: o.feed)


def _retry_extractions(rt: Runtime) -> None:
    try:
        retry_failed_extractions(rt)
    except Exception:
        log.exception("retrying failed extractions failed; trying again later")


def _heartbeat(rt: Runtime, fatal: list[str] | None = None) -> None:
    """Say this instance is alive, and stop it if a newer version changed the schema
    under it: writing with an older idea of the tables could corrupt them."""
    try:
        rt.store.beat(rt.instance)
        if fatal is not None and not rt.store.schema_is_current():
            fatal.append(
                f"the database schema is no longer revision {head_revision()} (a newer monitor migrated it); "
                "this instance stops instead of writing to it - upgrade it"
            )
    except Exception:
        log.exception("heartbeat failed; retrying")


def _web_server(rt: Runtime) -> WebServer | None:
    """The web interface on a thread when ``[web] enabled`` (a bad bind fails here, at start)."""
    if not rt.config.web.enabled:
        return None
    return WebServer(rt, host=rt.config.web.bind, port=rt.config.web.port, in_daemon=True).start()


def run_daemon(rt: Runtime, *, stop: threading.Event | None = None, install_signals: bool = True) -> None:
    """Run until SIGTERM/SIGINT (or ``stop``); in-flight polls finish before it returns.

    SIGHUP reloads the feeds and channels (``reload.py``); under systemd it
    speaks the notify protocol (``notify.py``): ready, reloading, watchdog, stopping.
    """
    stop = stop or threading.Event()
    received: list[str] = []
    reloads: list[bool] = []
    fatal: list[str] = []
    # A bad channel fails here, with one line, before the database is opened or migrated;
    # SIGHUP swaps the deliverer (reload.py).
    delivery = Delivery(Deliverer(rt) if rt.config.channels else None)
    web = _web_server(rt)
    lock = rt.store.hold_instance_lock()
    rt.store.sync_feeds(rt.config.feeds)
    _heartbeat(rt)
    start_stories(rt)
    if warning := expat_warning():
        log.warning("%s", warning)
    rt.plugins  # noqa: B018 - load plugins before the first tick, and log their failures once
    poller = Poller(rt)
    scheduler = BackgroundScheduler(timezone=UTC)
    service = rt.config.service
    scheduler.add_job(
        poller.tick,
        "interval",
        seconds=service.tick,
        jitter=service.tick * service.jitter,
        id="claim-feeds",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _retry_extractions,
        "interval",
        args=[rt],
        seconds=RETRY_EXTRACTIONS_SECONDS,
        id="retry-extractions",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        _heartbeat,
        "interval",
        args=[rt, fatal],
        seconds=rt.config.service.heartbeat,
        id="heartbeat",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    if rt.config.retention.alerts or rt.config.retention.articles:
        scheduler.add_job(
            prune_quietly,
            "interval",
            args=[rt],
            seconds=rt.config.retention.interval,
            id="prune",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
    scheduler.add_job(
        delivery.run,
        "interval",
        seconds=rt.config.alerts.tick,
        id="deliver-alerts",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    if install_signals:

        def handle(signum: int, _frame: FrameType | None) -> None:
            # Only a plain assignment here: Event.set() takes a lock the main
            # thread may hold at this very moment, and would deadlock.
            received.append(signal.Signals(signum).name)

        def hangup(_signum: int, _frame: FrameType | None) -> None:
            reloads.append(True)

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
        signal.signal(signal.SIGHUP, hangup)
    systemd = SystemdNotifier()
    if systemd.watchdog:
        scheduler.add_job(
            systemd.ping, "interval", seconds=systemd.watchdog / 2, id="systemd-watchdog", max_instances=1
        )
    log.info(
        "monitor running as %s: %d feeds, store %s", rt.instance, len(rt.config.feeds), rt.store.display_url
    )
    scheduler.start()
    systemd.ready(f"polling {len(rt.config.feeds)} feeds")
    try:
        while not (received or fatal or stop.is_set()):
            time.sleep(0.2)
            if reloads:
                reloads.clear()
                systemd.reloading()
                reload_config(rt, delivery)
                systemd.ready(f"polling {len(rt.config.feeds)} feeds")
        systemd.stopping()
        if received:
            log.info("received %s; finishing polls in flight", received[0])
        if fatal:
            log.error("%s", fatal[0])
    finally:
        if web is not None:
            web.stop()
        scheduler.shutdown(wait=True)
        poller.shutdown()
        rt.store.remove_instance(rt.instance)
        if lock is not None:
            lock.close()
        log.info("monitor stopped")
    if fatal:
        raise SchemaError(fatal[0])
