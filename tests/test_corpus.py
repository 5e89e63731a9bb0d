"""Every real-world feed of the shared corpus, polled through a local HTTP server.

The corpus is third-party data kept beside the project (../shared/corpus/feeds,
or MONITOR_CORPUS_DIR); it is read from there, never copied in.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.service.daemon import Poller
from monitor.service.runtime import Runtime
from monitor.testing import LocalServer
from tests.helpers import write_config

CORPUS = Path(
    os.environ.get("MONITOR_CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared/corpus/feeds"
)


@pytest.mark.slow
def test_every_corpus_feed_yields_articles_or_a_clear_recorded_error(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feed corpus not found at {CORPUS} (set MONITOR_CORPUS_DIR to run this test)")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.name != "MANIFEST.tsv")
    assert len(files) > 200
    feeds = {}
    for index, path in enumerate(files):
        content_type = mimetypes.guess_type(path.name)[0] or "application/xml"
        feeds[f"corpus-{index:03d}"] = feed_server.serve(
            f"/{index}", path.read_bytes(), content_type=content_type
        )
    config = write_config(tmp_path, feeds, extra="[service]\nconcurrency = 4\nper_host = 4\n")
    rt = Runtime(load_config(config))
    rt.store.sync_feeds(rt.config.feeds)
    poller = Poller(rt, on_outcome=lambda outcome: None)
    try:
        outcomes = poller.poll_once()
        again = {o.feed: o for o in poller.poll_once()}
    finally:
        poller.shutdown()
        rt.close()
    assert len(outcomes) == len(files)
    # The second poll sends the validators back: every feed that worked answers 304, nothing is new.
    for outcome in outcomes:
        if not outcome.error:
            second = again[outcome.feed]
            assert (second.status, second.new, second.skipped) == (304, 0, "not modified"), second
    problems = []
    for outcome in outcomes:
        name = files[int(outcome.feed.split("-")[1])].name
        if outcome.error:
            if "internal error" in outcome.error or "\n" in outcome.error or len(outcome.error) > 300:
                problems.append(f"{name}: {outcome.error!r}")
        elif outcome.entries == 0:
            problems.append(f"{name}: no articles and no error")
    assert not problems, "\n".join(problems)
    yielding = sum(1 for o in outcomes if o.entries)
    assert yielding > 0.8 * len(files), f"only {yielding} of {len(files)} corpus feeds yielded articles"
