"""Issue 12 item 10: per channel, alerts arrive in creation order, also after an outage."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta
from pathlib import Path

from monitor.config import load_config
from monitor.deliver.delivery import Deliverer
from monitor.service.daemon import poll_all
from monitor.service.runtime import Runtime
from monitor.store.types import utcnow
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

ALERTS = 8


def test_alerts_queued_during_an_outage_arrive_in_creation_order(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    down = [True]
    received: list[str] = []

    def hook(request: Request) -> Response:
        if down[0]:
            return Response(503, b"down")
        received.extend(change["key"] for change in json.loads(request.body)["changes"])
        return Response(200, b"ok")

    feed_server.route("/hook", hook)
    feeds = {
        f"f{i}": feed_server.serve(f"/f{i}.xml", rss([item(i + 1, f"The level of f{i} is {i}.")]))
        for i in range(ALERTS)
    }
    (tmp_path / "plugins.d").mkdir()
    (tmp_path / "plugins.d" / "level.py").write_text(textwrap.dedent(EXTRACTOR))
    extra = f"""
[plugins]
dirs = ["plugins.d"]

[alerts]
retry_base = "1s"
retry_max = "8s"

[[channels]]
name = "hook"
type = "webhook"
url = "{feed_server.url("/hook")}"
"""
    rt = Runtime(load_config(write_config(tmp_path, feeds, extra=extra)))
    deliverer = Deliverer(rt)
    start = utcnow()
    try:
        for i in range(ALERTS):  # one change per poll, created in this order, while the hook is down
            [outcome] = poll_all(rt, [f"f{i}"])
            assert outcome.changes == 1
            deliverer.deliver_due(now=start + timedelta(seconds=i))
        down[0] = False
        # The clock moves in small steps: each retry falls due at its own jittered time.
        for step in range(400):
            deliverer.deliver_due(now=start + timedelta(seconds=ALERTS + step * 0.25))
            if len(received) == ALERTS:
                break
    finally:
        rt.close()
    assert received == [f"t.f{i}.level" for i in range(ALERTS)]
