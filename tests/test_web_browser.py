"""The story page and the timeline in a real Chromium (Debian's, driven by Playwright).

The store is filled by real polls of local feeds; an article title carries a
``<script>`` and an ``onerror`` handler, which must show as text and never run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from monitor.testing import MonitorProject
from tests.helpers import missing
from tests.web_kit import KEY, XSS_TITLE, fill, serving

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; missing is a skip on a developer's machine and a failure under CI."""
    found = os.environ.get("MONITOR_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        missing("Debian's chromium is not installed (apt-get install chromium)", ".ci/run installs it")
    return found


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        # A persistent context is how Playwright takes a fresh --user-data-dir of our own.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 412, "height": 915},  # a phone
            timeout=60_000,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            context.close()


def test_a_reader_sees_the_story_and_no_script_from_an_article_runs(
    monitor_project: MonitorProject, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    fill(monitor_project)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    with serving(monitor_project) as server:
        page.goto(f"{server.url}/stories/coalition")
        row = page.locator(f'tr[id="fact-{KEY}"]')
        assert row.locator("td.baseline").inner_text() == "26"
        assert row.locator("td.current").inner_text() == "27"
        assert row.locator("td.outlets").inner_text() == "2"
        assert "up" in row.inner_text()
        disputed = page.locator("tr.open.disputed")
        assert "30" in disputed.inner_text() and "disputed" in disputed.inner_text()
        # Readable on a phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(tmp_path / "story.png"), full_page=True)

        page.goto(f"{server.url}/stories/coalition/timeline")
        cards = page.locator("article.change")
        assert cards.count() == 3
        newest = cards.nth(0)
        assert newest.locator("mark").inner_text().startswith("Thirty countries have now committed")
        assert "pending" in newest.locator(".deliveries").inner_text()
        link = page.get_by_role("link", name=XSS_TITLE)
        assert link.get_attribute("href") == "https://news.example.org/story/1"
        assert link.inner_text() == XSS_TITLE  # the markup is shown as text
        assert "Post, Wire" in page.locator("article.change.accepted .outlets").inner_text()
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.evaluate("document.querySelectorAll('script, img').length") == 0
        page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)

        page.goto(f"{server.url}/facts/{KEY}")
        assert page.locator("svg line.step").count() == 2
        page.screenshot(path=str(tmp_path / "fact.png"), full_page=True)
    assert not dialogs and not errors
    for name in ("story.png", "timeline.png", "fact.png"):
        assert (tmp_path / name).stat().st_size > 1000
