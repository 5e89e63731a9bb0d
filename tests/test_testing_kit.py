"""The test kit plugin authors get: it must catch what production would drop."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor import Claim, Extractor, FactSpec, hookimpl
from monitor.testing import MonitorProject, feed_item, registered, run_extractor

BASELINE = (
    Path(__file__).resolve().parents[1]
    / "plugins/coalition_story/baseline-2025-09-04-paris-coalition-summit.txt"
)


class Mood(Extractor):
    name = "mood"
    facts = (FactSpec("mood", "mood", "state", "enum", values=("sad", "happy"), label="Mood"),)

    def __init__(self, evidence: str | None = None, value: str = "happy"):
        self.evidence, self.value = evidence, value

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        if "happy" not in article.text:
            return []
        return [Claim("mood", "town", "mood", self.value, self.evidence or "happy", 0.9)]


def test_run_extractor_returns_valid_claims() -> None:
    [claim] = run_extractor(Mood(), "Everyone is happy today.")
    assert (claim.key, claim.value, claim.extractor) == ("mood.town.mood", "happy", "mood")


@pytest.mark.parametrize("bad", [Mood(evidence="not in the text"), Mood(value="ecstatic")])
def test_run_extractor_fails_on_what_production_would_drop(bad: Mood) -> None:
    with pytest.raises(AssertionError, match="failed on the article"):
        run_extractor(bad, "Everyone is happy today.")


def test_registered_registers_for_a_block(plugin_host) -> None:  # type: ignore[no-untyped-def]
    class Plugin:
        @hookimpl
        def register_extractors(self, register):  # type: ignore[no-untyped-def]
            register(Mood())

    with registered(plugin_host, Plugin(), "mood-plugin"):
        assert "mood" in plugin_host.extractors
    assert "mood" not in plugin_host.extractors and "mood-plugin" not in plugin_host.plugins


def test_monitor_project_runs_the_whole_pipeline_with_the_bundled_story(
    monitor_project: MonitorProject,
) -> None:
    monitor_project.baseline = BASELINE
    monitor_project.add_feed(
        "wire",
        [
            feed_item(
                1, "Poland will not send troops to Ukraine, Prime Minister Donald Tusk said on Thursday."
            )
        ],
    )
    [outcome] = monitor_project.poll()
    assert outcome.new == 1 and outcome.error is None
    [change] = monitor_project.changes()
    assert (change.key, change.change, change.new) == ("coalition.PL.troop_stance", "new", "declines")
    [alert] = monitor_project.deliver()
    assert alert.changes[0].key == "coalition.PL.troop_stance"
    assert monitor_project.deliver() == []
