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
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from monitor.config import load_config
from monitor.errors import MonitorError
from monitor.service.runtime import Runtime
from monitor.store import schema
from monitor.store.sqlite_guard import filesystem_type, hold_instance_lock
from monitor.testing import LocalServer, Request, Response
from tests.helpers import item, rss, write_config

EXTRACTOR = """
import re
from monitor import Claim, Extractor, FactSpec, hookimpl

class Level(Extractor):
    name = "level"
    facts = [FactSpec("t", "level", "state", "int", label="Test level")]

    def extract_claims(self, article):
        m = re.search(r"level of (f\\d+) is (\\d+)", article.text)
        return [Claim("t", m.group(1), "level", int(m.group(2)), m.group(0))] if m else []

@hookimpl
def register_extractors(register):
    register(Level())
"""

FEEDS = 200
INTERVAL = 4.0
LEASE = 3.0


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


@pytest.mark.postgres
@pytest.mark.slow
def test_three_instances_share_the_work_and_survive_a_kill(
    tmp_path: Path, feed_server: LocalServer, postgres_url: str
) -> None:
    requests: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def feed(i: int):  # type: ignore[no-untyped-def]
        body = rss([item(i * 10 + 1, f"The level of f{i} is {i}."), item(i * 10 + 2)], title=f"Outlet {i}")

        def handler(request: Request) -> Response:
            with lock:
                requests[f"f{i}"].append(time.monotonic())
            etag = f'"{i}"'
            if request.headers.get("If-None-Match") == etag:
                return Response(304, b"", {"ETag": etag})
            return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

        return handler

    feeds = {f"f{i}": feed_server.route(f"/f{i}.xml", feed(i)) for i in range(FEEDS)}
    hooks: list[Request] = []
    feed_server.route("/hook", lambda r: (hooks.append(r), Response(200, b"ok"))[1])
    plugins = tmp_path / "plugins.d"
    plugins.mkdir()
    (plugins / "level.py").write_text(textwrap.dedent(EXTRACTOR))
    extra = f"""
[service]
tick = 0.3
lease = {LEASE}
concurrency = 6
per_host = 6
jitter = 0.05

[plugins]
dirs = ["plugins.d"]

[alerts]
tick = "0.5s"

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
"""
    config = write_config(tmp_path, feeds, extra=extra, interval=f"{INTERVAL}s", database_url=postgres_url)
    # Three instances start at once on an empty schema: one migrates, the others wait.
    processes = [start(config, f"instance-{n}") for n in range(3)]
    started = time.monotonic()
    try:
        time.sleep(INTERVAL * 2)
        processes[2].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(LEASE + INTERVAL * 2.5)
    finally:
        for p in processes[:2]:
            p.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=60)[0] for p in processes]
    ended = time.monotonic()
    assert [p.returncode for p in processes[:2]] == [0, 0], outputs
    assert "Traceback" not in "".join(outputs), outputs

    # Every feed polled about once per interval, never twice within one.
    elapsed = ended - started
    for name in feeds:
        times = requests[name]
        assert len(times) <= elapsed / (INTERVAL * 0.9) + 2, (name, times)
        for a, b in itertools.pairwise(times):
            # A poll the killed instance had in flight is lost and redone once
            # its lease expires; every other pair is about an interval apart
            # (the schedule counts from the poll's start; under load the request
            # can reach the server a little later, hence the margin - a feed
            # polled twice would show a gap near zero).
            around_kill = a <= killed_at <= b
            assert b - a >= (LEASE * 0.9 if around_kill else INTERVAL * 0.5), (name, times, killed_at)
        # The killed instance's feeds were taken over: each feed polled after the lease expired.
        assert any(t >= killed_at + LEASE for t in times), (name, killed_at, times)

    # No article processed twice, every change alerted exactly once on the channel.
    rt = Runtime(load_config(config))
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
    delivered = defaultdict(int)
    for hook in hooks:
        for change in json.loads(hook.body)["changes"]:
            delivered[change["key"]] += 1
    ids = [h.headers.get("webhook-id") for h in hooks]
    # At-least-once: a kill between send and mark may re-send, with the same id.
    assert set(delivered) == {f"t.f{i}.level" for i in range(FEEDS)}
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
