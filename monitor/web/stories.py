"""Which stories there are, and which topics each one holds.

There is no story registry yet: a story is a group of topics, derived here
from the registered extractors. THIS is the one place to change when
stories become registered objects.

- An extractor that carries its own story (``extractor.story.name``, as the
  TOML stories do) is that story.
- Every other extractor belongs to the baseline story: the one the
  ``[baseline]`` article is read for, named after its first topic.
- Topics found in the database that no loaded extractor declares are shown
  under "other", so nothing stored is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..plugins import PluginHost

__all__ = ["Story", "find_story", "story_list", "story_of_topic"]

OTHER = "other"


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    topics: tuple[str, ...]


def _add(groups: dict[str, list[str]], slug: str, topics: Iterable[str]) -> None:
    group = groups.setdefault(slug, [])
    group.extend(t for t in topics if t not in group)


def story_list(host: PluginHost, known_topics: Iterable[str] = ()) -> list[Story]:
    own: dict[str, list[str]] = {}
    baseline: list[str] = []
    for extractor in host.extractors.values():
        topics = [spec.topic for spec in extractor.facts or ()]
        name = getattr(getattr(extractor, "story", None), "name", None)
        if isinstance(name, str) and name:
            _add(own, name, topics)
        else:
            baseline.extend(t for t in topics if t not in baseline)
    stories = []
    if baseline:
        baseline.sort()
        stories.append(Story(baseline[0], " · ".join(baseline), tuple(baseline)))
    stories += [Story(slug, slug.replace("_", " "), tuple(topics)) for slug, topics in sorted(own.items())]
    claimed = {t for s in stories for t in s.topics}
    orphans = sorted(set(known_topics) - claimed)
    if orphans:
        stories.append(Story(OTHER, "other topics (no loaded extractor)", tuple(orphans)))
    return stories


def find_story(stories: Iterable[Story], slug: str) -> Story | None:
    return next((s for s in stories if s.slug == slug), None)


def story_of_topic(stories: Iterable[Story], topic: str) -> str:
    return next((s.slug for s in stories if topic in s.topics), OTHER)
