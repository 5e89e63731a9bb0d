"""/metrics: this process's counters plus what the database holds, read at scrape time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .. import metrics
from ..service.runtime import Runtime
from .stories import Story, story_of_topic

__all__ = ["metrics_registry"]

ALERT_STATES = ("pending", "sent", "dead")


class _Process(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from metrics.REGISTRY.collect()


class _Store(Collector):
    """Gauges of stored rows: shared by every instance, so each reports the same truth."""

    def __init__(self, rt: Runtime, stories: Callable[[], Sequence[Story]]):
        self.rt, self.stories = rt, stories

    def collect(self) -> Iterator[Metric]:
        stories = list(self.stories())
        counts = self.rt.store.stored_counts()
        claims, changes, alerts, baseline = (
            counts.claims,
            counts.changes,
            counts.alerts,
            counts.baseline_topics,
        )

        def by_story(counts: dict[tuple[str, ...], int], **zeros: int) -> list[tuple[tuple[str, ...], int]]:
            totals: Counter[tuple[str, ...]] = Counter({(slug,): 0 for slug in zeros})
            for (topic, *rest), count in counts.items():
                totals[(story_of_topic(stories, topic), *rest)] += count
            return sorted(totals.items())

        family = GaugeMetricFamily("monitor_claims", "Claims stored, by story.", labels=["story"])
        for labels, count in by_story({(t,): n for t, n in claims.items()}, **{s.slug: 0 for s in stories}):
            family.add_metric(list(labels), count)
        yield family
        family = GaugeMetricFamily(
            "monitor_changes", "Changes stored, by story and status.", labels=["story", "status"]
        )
        for labels, count in by_story({(topic, status): n for (topic, status), n in changes.items()}):
            family.add_metric(list(labels), count)
        yield family
        family = GaugeMetricFamily(
            "monitor_alerts", "Alert outbox rows, by channel and status.", labels=["channel", "status"]
        )
        channels = sorted({c.name for c in self.rt.config.channels} | {c for c, _ in alerts})
        for channel in channels:
            for status in sorted(set(ALERT_STATES) | {s for c, s in alerts if c == channel}):
                family.add_metric([channel, status], alerts.get((channel, status), 0))
        yield family
        family = GaugeMetricFamily(
            "monitor_baseline_present", "1 when the story's baseline is stored.", labels=["story"]
        )
        for story in stories:
            family.add_metric([story.slug], 1 if baseline & set(story.topics) else 0)
        yield family


def metrics_registry(rt: Runtime, stories: Callable[[], Sequence[Story]]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_Process())
    registry.register(_Store(rt, stories))
    return registry
