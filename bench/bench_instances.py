"""Feeds polled per second with 1, 2 and 3 `monitor run` instances on one PostgreSQL,
and the database load per poll (statements per poll).

    .venv/bin/python bench/bench_instances.py [--seconds 15] [--feeds 200]

Every feed is due all the time (interval 1 s), so the figure is the service's
ceiling on this machine, not the feeds' schedule. The server answers 304 to
conditional requests, as real servers mostly do, so the cost measured is the
claim loop, the request and the state write - not feedparser.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import load_config
from monitor.service.daemon import Poller
from monitor.service.runtime import Runtime
from monitor.testing import LocalServer, Request, Response, feed_item, make_feed

PG = os.environ.get("MONITOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def serve(server: LocalServer, feeds: int, hits: Counter[str], lock: threading.Lock) -> dict[str, str]:
    urls = {}
    for i in range(feeds):
        body = make_feed([feed_item(i * 100 + n) for n in range(20)], title=f"Outlet {i}")

        def handler(request: Request, i: int = i, body: bytes = body) -> Response:
            with lock:
                hits[f"f{i}"] += 1
            if request.headers.get("If-None-Match") == f'"{i}"':
                return Response(304, b"", {"ETag": f'"{i}"'})
            return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": f'"{i}"'})

        urls[f"f{i}"] = server.route(f"/f{i}.xml", handler)
    return urls


def write_config(folder: Path, urls: dict[str, str], database: str) -> Path:
    lines = [
        f'[database]\nurl = "{database}"\n',
        "[service]\ntick = 0.2\nconcurrency = 8\nper_host = 8\njitter = 0.0\n",
    ]
    lines += [f'[[feeds]]\nname = "{n}"\nurl = "{u}"\ninterval = "1s"\n' for n, u in urls.items()]
    (folder / "config").mkdir(exist_ok=True)
    path = folder / "config" / "monitor.toml"
    path.write_text("\n".join(lines))
    return path


def fresh_schema() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{PG}?options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    with psycopg.connect(PG.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def statements_per_poll(config: Path) -> dict[str, float]:
    """Statements one in-process pass sends, first poll (all new) and unchanged (all 304)."""
    rt = Runtime(load_config(config))
    rt.store.sync_feeds(rt.config.feeds)
    count = [0]
    event.listen(rt.store.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
    poller = Poller(rt, on_outcome=lambda o: None)
    figures = {}
    for label in ("first poll", "unchanged (304)"):
        count[0] = 0
        outcomes = poller.poll_once()
        figures[label] = count[0] / len(outcomes)
    poller.shutdown()
    rt.close()
    return figures


def run_instances(n: int, config: Path, seconds: float, hits: Counter[str], lock: threading.Lock) -> float:
    processes = [
        subprocess.Popen(
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
                f"bench-{k}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for k in range(n)
    ]
    time.sleep(3)  # start-up: imports, plugin loading
    with lock:
        before = sum(hits.values())
    started = time.monotonic()
    time.sleep(seconds)
    with lock:
        after = sum(hits.values())
    elapsed = time.monotonic() - started
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait(timeout=60)
    return (after - before) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    server = LocalServer().start()
    hits: Counter[str] = Counter()
    lock = threading.Lock()
    urls = serve(server, args.feeds, hits, lock)
    results: dict[str, object] = {"feeds": args.feeds, "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as tmp:
        schema, database = fresh_schema()
        try:
            config = write_config(Path(tmp), urls, database)
            results["statements_per_poll"] = statements_per_poll(config)
            rates = {}
            for n in (1, 2, 3):
                rates[n] = run_instances(n, config, args.seconds, hits, lock)
                print(
                    f"{n} instance(s): {rates[n]:7.1f} feeds polled per second"
                    f"  ({rates[n] / rates[1]:.2f}x one instance)",
                    flush=True,
                )
            results["polls_per_second"] = rates
        finally:
            drop_schema(schema)
    server.stop()
    for label, value in results["statements_per_poll"].items():  # type: ignore[union-attr]
        print(f"database statements per poll, {label}: {value:.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
