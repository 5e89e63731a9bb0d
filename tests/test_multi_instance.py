"""Several `monitor run` processes on one PostgreSQL: no feed polled twice, no alert sent twice."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from monitor.config import load_config
from monitor.errors import MonitorError
from monitor.service.runtime import Runtime
from monitor.store import schema
from monitor.store.sqlite_guard import filesystem_type, hold_instance_lock
from monitor.testing import LocalServer, Request, Response
from tests.helpers import LEVEL_PLUGIN, item, rss, write_config

FEEDS = 200
INTERVAL = 4.0
LEASE = 10.0  # long enough that no poll outlives it, even on a loaded machine
WAIT = 180.0  # a bound for each phase, never a pause: every wait below ends on an event


def start(config: Path, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "--log-level",
            "WARNING",
            "--config",
            str(config),
            "run",
            "--instance-name",
            name,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


@dataclass
class Poll:
    instance: str
    seq: int
    lease_owner: str | None


@pytest.mark.postgres
@pytest.mark.slow
def test_three_instances_share_the_work_and_survive_a_kill(
    tmp_path: Path, feed_server: LocalServer, postgres_url: str
) -> None:
    """Every request is attributed to the instance that made it (each has its own
    User-Agent) and checked, as it arrives, against the lease in the database:
    a feed fetched by an instance that does not hold its lease is a feed polled
    by two workers. Each phase ends on an event (a condition the requests
    fulfil), bounded by a timeout; nothing depends on how fast the machine is."""
    polls: dict[str, list[Poll]] = defaultdict(list)
    in_flight: dict[str, int] = defaultdict(int)
    overlaps: list[str] = []
    changed = threading.Condition()
    seq = itertools.count()
    admin = psycopg.connect(postgres_url.split("?")[0].replace("+psycopg", ""), autocommit=True)
    search_path = postgres_url.split("search_path%3D")[1]
    admin.execute(f'SET search_path TO "{search_path}"')
    admin_lock = threading.Lock()

    def lease_owner(name: str) -> str | None:
        with admin_lock:
            row = admin.execute("SELECT lease_owner FROM feeds WHERE name = %s", (name,)).fetchone()
        return row[0] if row else None

    def feed(i: int):  # type: ignore[no-untyped-def]
        name = f"f{i}"
        body = rss([item(i * 10 + 1, f"The level of f{i} is {i}."), item(i * 10 + 2)], title=f"Outlet {i}")

        def handler(request: Request) -> Response:
            instance = request.headers.get("User-Agent", "").rpartition(" ")[2]
            with changed:
                in_flight[name] += 1
                if in_flight[name] > 1:
                    overlaps.append(name)
            try:
                owner = lease_owner(name)
                etag = f'"{i}"'
                if request.headers.get("If-None-Match") == etag:
                    return Response(304, b"", {"ETag": etag})
                return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})
            finally:
                with changed:
                    in_flight[name] -= 1
                    polls[name].append(Poll(instance, next(seq), owner))
                    changed.notify_all()

        return handler

    feeds = {f"f{i}": feed_server.route(f"/f{i}.xml", feed(i)) for i in range(FEEDS)}
    hooks: list[Request] = []

    def hook(request: Request) -> Response:
        with changed:
            hooks.append(request)
            changed.notify_all()
        return Response(200, b"ok")

    feed_server.route("/hook", hook)

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        with changed:
            assert changed.wait_for(condition, timeout=WAIT), f"timed out waiting until {what}"

    def delivered_keys() -> set[str]:
        return {change["key"] for h in hooks for change in json.loads(h.body)["changes"]}

    configs = []
    for n in range(3):
        folder = tmp_path / f"instance-{n}"
        plugins = folder / "plugins.d"
        plugins.mkdir(parents=True)
        (plugins / "level.py").write_text(textwrap.dedent(LEVEL_PLUGIN))
        extra = f"""
[service]
tick = 0.3
lease = {LEASE}
concurrency = 6
per_host = 6
jitter = 0.05
user_agent = "news-monitor-test instance-{n}"
min_interval = "1s"

[plugins]
dirs = ["plugins.d"]

[alerts]
tick = "0.5s"

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
"""
        configs.append(
            write_config(folder, feeds, extra=extra, interval=f"{INTERVAL}s", database_url=postgres_url)
        )
    # Three instances start at once on an empty schema: one migrates, the others wait.
    processes = [start(config, f"instance-{n}") for n, config in enumerate(configs)]
    started = time.monotonic()
    try:
        # Phase 1: every feed polled, and the instance to be killed has done its share.
        wait_for(
            lambda: (
                len(polls) == FEEDS and any(p.instance == "instance-2" for ps in polls.values() for p in ps)
            ),
            "every feed was polled once and instance-2 polled some",
        )
        processes[2].send_signal(signal.SIGKILL)
        processes[2].wait(timeout=WAIT)
        with changed:
            at_kill = next(seq)
            victims = {name for name, ps in polls.items() if any(p.instance == "instance-2" for p in ps)}
        # Phase 2: every feed polled again by a survivor after the kill (the
        # victim's leases expired and were taken over), and every change alerted.
        wait_for(
            lambda: (
                all(
                    any(p.seq > at_kill and p.instance != "instance-2" for p in polls[name]) for name in feeds
                )
                and delivered_keys() == {f"t.f{i}.level" for i in range(FEEDS)}
            ),
            "every feed was polled after the kill and every change delivered",
        )
    finally:
        for p in processes[:2]:
            p.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=WAIT)[0] for p in processes]
        admin.close()
    ended = time.monotonic()
    assert [p.returncode for p in processes[:2]] == [0, 0], outputs
    assert "Traceback" not in "".join(outputs), outputs
    assert victims, "instance-2 polled nothing before it was killed"

    # Never two workers on one feed: no request while another for the same feed
    # was in flight, and each request made by the instance holding the feed's lease.
    assert not overlaps, overlaps
    for name in feeds:
        for p in polls[name]:
            assert p.lease_owner == p.instance, (name, polls[name])
        # A poll starts an interval after the previous one started, so a feed is
        # polled at most once per interval (plus the one the kill interrupted);
        # a slow machine polls less often, never more.
        assert len(polls[name]) <= (ended - started) / INTERVAL + 2, (name, polls[name])

    # No article processed twice, every change alerted exactly once on the channel.
    rt = Runtime(load_config(configs[0]))
    with rt.store.transaction() as session:
        articles = session.scalar(select(func.count()).select_from(schema.Article))
        claims = session.execute(select(schema.Claim.key, func.count()).group_by(schema.Claim.key)).all()
        changes = session.scalar(select(func.count()).select_from(schema.Change))
        sent = session.scalar(
            select(func.count()).select_from(schema.Alert).where(schema.Alert.status == "sent")
        )
    rt.close()
    assert articles == FEEDS * 2
    assert all(n == 1 for _, n in claims) and len(claims) == FEEDS
    assert changes == FEEDS
    ids = [h.headers.get("webhook-id") for h in hooks]
    # At-least-once: a kill between send and mark may re-send, with the same id.
    assert delivered_keys() == {f"t.f{i}.level" for i in range(FEEDS)}
    assert len(set(ids)) == sent == FEEDS or len(set(ids)) == len(ids)
    duplicates = len(ids) - len(set(ids))
    assert duplicates <= 6, f"{duplicates} alerts re-sent"


def test_a_second_instance_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "state" / "monitor.db"
    held = hold_instance_lock(database)
    try:
        with pytest.raises(MonitorError, match=r"in use by another 'monitor run'.*use PostgreSQL"):
            hold_instance_lock(database)
    finally:
        held.close()
    hold_instance_lock(database).close()  # released with its holder


def test_sqlite_on_a_network_filesystem_is_refused(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/export {tmp_path}/nfs nfs4 rw 0 0\n")
    (tmp_path / "nfs").mkdir()
    assert filesystem_type(tmp_path / "nfs" / "state", str(mounts)) == "nfs4"
    with pytest.raises(MonitorError, match="network filesystem"):
        hold_instance_lock(tmp_path / "nfs" / "monitor.db", mounts=str(mounts))


@pytest.mark.slow
def test_two_daemons_on_one_sqlite_file(tmp_path: Path, feed_server: LocalServer) -> None:
    config = write_config(
        tmp_path, {"f": feed_server.serve("/f.xml", rss([item(1)]))}, extra="[service]\ntick = 0.2\n"
    )
    first = start(config, "one")
    try:
        assert first.stdout is not None
        deadline = time.monotonic() + 30
        while feed_server.hits["/f.xml"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "--config", str(config), "run", "--instance-name", "two"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert second.returncode == 1
    assert "in use by another 'monitor run'" in second.stderr


@pytest.mark.slow
@pytest.mark.postgres
def test_an_old_instance_stops_when_a_newer_one_migrates_the_schema(
    tmp_path: Path, feed_server: LocalServer, postgres_url: str
) -> None:
    config = write_config(
        tmp_path,
        {"f": feed_server.serve("/f.xml", rss([item(1)]))},
        extra="[service]\ntick = 0.2\nheartbeat = 0.2\n",
        database_url=postgres_url,
    )
    process = start(config, "old")
    try:
        deadline = time.monotonic() + 30
        while feed_server.hits["/f.xml"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        rt = Runtime(load_config(config))
        with rt.store.engine.begin() as conn:  # what a newer version's migration leaves behind
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
        rt.close()
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, output
    assert "newer monitor migrated it" in output and "stops instead of writing" in output


@pytest.mark.postgres
def test_the_pool_recovers_when_postgres_drops_its_connections(
    tmp_path: Path, feed_server: LocalServer, postgres_url: str
) -> None:
    import psycopg

    from monitor.service.daemon import poll_all

    items = [item(1)]
    feed_server.route("/f.xml", lambda r: Response(200, rss(items), {"Content-Type": "application/rss+xml"}))
    config = write_config(tmp_path, {"f": feed_server.url("/f.xml")}, database_url=postgres_url)
    rt = Runtime(load_config(config))
    assert poll_all(rt)[0].new == 1
    with psycopg.connect(postgres_url.split("?")[0].replace("+psycopg", ""), autocommit=True) as admin:
        killed = admin.execute(  # a failover, or an administrator's pg_terminate_backend
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'news-monitor' AND datname = current_database()"
        ).fetchone()[0]
    assert killed >= 1
    items.append(item(2))
    [outcome] = poll_all(rt)
    rt.close()
    assert outcome.error is None and outcome.new == 1
