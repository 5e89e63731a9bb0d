"""What ``monitor stories`` shows: each story, its baseline, its facts and its last change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import Config
from ..plugins import PluginHost
from ..store import Store, StoryBaseline
from ..store.types import utcnow
from .baseline import stories, story_articles

__all__ = ["StoryOverview", "story_overview"]


@dataclass(frozen=True)
class StoryOverview:
    name: str
    title: str
    plugin: str
    topics: tuple[str, ...]
    articles: tuple[str, ...]  # the baseline article(s) it would be built from
    baseline: StoryBaseline | None  # how it was built; None: not built yet
    baseline_facts: int
    facts: tuple[str, ...]  # topic.attribute of every fact the story owns
    last_change: tuple[datetime, str] | None  # when, which key

    def baseline_state(self, now: datetime | None = None) -> str:
        if self.baseline is None:
            return "not built" + (f" (from {', '.join(self.articles)})" if self.articles else " (will learn)")
        if self.baseline.mode == "learning":
            until = self.baseline.learning_until
            shown = until.strftime("%Y-%m-%d %H:%M UTC") if until else "?"
            if self.baseline.learning(now or utcnow()):
                return f"learning until {shown}: {self.baseline_facts} facts so far"
            return f"learnt: {self.baseline_facts} facts (window ended {shown})"
        return f"built from {self.baseline.source}: {self.baseline_facts} facts"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "plugin": self.plugin,
            "topics": list(self.topics),
            "baseline": {
                "built": self.baseline is not None,
                "mode": self.baseline.mode if self.baseline else None,
                "source": self.baseline.source if self.baseline else None,
                "facts": self.baseline_facts,
                "learning_until": self.baseline.learning_until.isoformat()
                if self.baseline and self.baseline.learning_until
                else None,
                "articles": list(self.articles),
            },
            "facts": list(self.facts),
            "last_change": {"at": self.last_change[0].isoformat(), "key": self.last_change[1]}
            if self.last_change
            else None,
        }


def story_overview(store: Store, host: PluginHost, config: Config) -> list[StoryOverview]:
    recorded = {r.story: r for r in store.story_baselines()}
    overview = store.facts_overview()
    base = store.baseline_facts()
    out = []
    for story in stories(host, config):
        changed = [(row.changed_at, row.key) for row in overview if row.changed_at and story.owns(row.key)]
        out.append(
            StoryOverview(
                name=story.name,
                title=story.title,
                plugin=host.owner_of(story) if story.name in host.stories else "[baseline]",
                topics=story.topics,
                articles=tuple(p.name for p in story_articles(config, story)),
                baseline=recorded.get(story.name),
                baseline_facts=sum(1 for f in base if story.owns(f.key)),
                facts=tuple(sorted(f"{t}.{a}" for t, a in host.vocabulary.specs if t in story.topics)),
                last_change=max(changed) if changed else None,
            )
        )
    return out
