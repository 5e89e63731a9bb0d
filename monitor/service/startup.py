"""What the first start says: the stories loaded, the baselines built, the feeds and channels."""

from __future__ import annotations

import logging

from ..facts.baseline import BuildResult, ensure_baselines, stories
from .runtime import Runtime

__all__ = ["start_stories"]

log = logging.getLogger(__name__)


def start_stories(rt: Runtime) -> list[BuildResult]:
    """Build the baselines not stored yet, then say in a few lines what this service follows."""
    built = ensure_baselines(rt.store, rt.plugins, rt.config)
    recorded = {r.story: r for r in rt.store.story_baselines()}
    loaded = stories(rt.plugins, rt.config)
    if not loaded:
        log.warning("no story is loaded: no plugin registers one, so nothing has a baseline")
    for story in loaded:
        record = recorded.get(story.name)
        state = "no baseline" if record is None else f"baseline {record.mode} ({record.source})"
        log.info("story %s loaded: %s; %s", story.name, story.title, state)
    feeds, channels = len(rt.config.feeds), len(rt.config.channels)
    log.info(
        "%d %s, %d alert %s configured; %d baseline(s) built now",
        feeds,
        "feed" if feeds == 1 else "feeds",
        channels,
        "channel" if channels == 1 else "channels",
        len(built),
    )
    if not channels:
        log.warning(
            "no alert channel is configured ([[channels]]): changes are stored, but nobody is told of them"
        )
    return built
