"""A story's extractor: its rules run on the shared rule engine."""

from __future__ import annotations

from monitor.rules import Engine, RuleExtractor

from .model import Story

__all__ = ["StoryExtractor"]


class StoryExtractor(RuleExtractor):
    """The extractor of one story file, named after the story."""

    def __init__(self, story: Story, engine: Engine | None = None):
        super().__init__(story.rules, engine)
        self.story = story
        self.name = story.name

    def __repr__(self) -> str:
        return f"StoryExtractor({self.story.name!r} from {self.story.source})"
