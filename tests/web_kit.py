"""A store filled by real polls of local feeds, and the web interface serving it."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.service.daemon import poll_all
from monitor.testing import MonitorProject, feed_item
from monitor.web import WebServer

BASELINE = (
    Path(__file__).resolve().parents[1]
    / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
)
KEY = "coalition.coalition.troop_pledges"
TWENTY_SEVEN = (
    "Twenty-seven countries have now committed to sending troops to the reassurance force for Ukraine, "
    "French President Emmanuel Macron said on Monday."
)
THIRTY = (
    "Thirty countries have now committed to sending troops to the reassurance force for Ukraine, "
    "a diplomat said on Tuesday."
)
XSS_TITLE = '<script>window.__xss = 1</script>Coalition grows <img src=x onerror="window.__xss = 2">'
POLICY = f"""
[[policy.rules]]
match = "{KEY}"
quorum = 2
disputed = true
"""


def fill(project: MonitorProject) -> MonitorProject:
    """Three outlets: two agree on 27 (accepted once both did), a third says 30 (disputed, still open).

    The accepted change's alert is delivered; the disputed one's is left pending.
    """
    project.baseline = BASELINE
    project.extra_config = POLICY
    project.add_feed("wire", [feed_item(1, TWENTY_SEVEN, title=XSS_TITLE)], title="Wire")
    project.add_feed("post", [feed_item(2, TWENTY_SEVEN, title="Allies add a 27th country")], title="Post")
    project.add_feed("daily", [feed_item(3, THIRTY, title="Thirty, says a diplomat")], title="Daily")
    rt = project.runtime
    poll_all(rt, ["wire", "post"])
    project.deliver()
    poll_all(rt, ["daily"])
    return project


@contextmanager
def serving(project: MonitorProject) -> Iterator[WebServer]:
    server = WebServer(project.runtime, host="127.0.0.1", port=0).start()
    try:
        yield server
    finally:
        server.stop()


WAIT = 60.0


class Lines:
    """The daemon's output, read on a thread, so the test can wait for a line with a deadline."""

    def __init__(self, process: subprocess.Popen[str]):
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.seen)}")
