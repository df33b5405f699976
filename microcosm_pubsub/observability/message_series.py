"""
The per-message series (results, handler duration, message age), counted under one lock.

Why not prometheus-client's own Counter and Histogram here: each keeps its own lock and child
lookup, so a message would pay three of each; these plain counts cost one lock and two
bisections per message and are turned into metric families only when `/metrics` is scraped.

"""
from bisect import bisect_left
from threading import Lock
from typing import Any, Iterator, Optional, Sequence

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily


class Distribution:
    """Observation counts per bucket (the last is +Inf), their sum and count."""

    __slots__ = ("counts", "sum")

    def __init__(self, buckets: int):
        self.counts = [0] * (buckets + 1)
        self.sum = 0.0

    def cumulative(self, bounds: Sequence[float]) -> list[tuple[str, int]]:
        """(upper bound, count at or below it) per bucket, as the exposition format wants."""
        total, points = 0, []
        for bound, count in zip([*map(str, bounds), "+Inf"], self.counts):
            total += count
            points.append((bound, total))
        return points


class HandledSeries:
    """A collector of handled messages by (media type, result), with duration and age by media type."""

    def __init__(self, duration_buckets: Sequence[float], age_buckets: Sequence[float]):
        self.duration_buckets = tuple(float(bound) for bound in duration_buckets)
        self.age_buckets = tuple(float(bound) for bound in age_buckets)
        self._handled: dict[tuple[str, str], int] = {}
        self._duration: dict[str, Distribution] = {}
        self._age: dict[str, Distribution] = {}
        self._lock = Lock()

    def record(self, media_label: str, result_name: str, seconds: float, age: Optional[float]) -> None:
        """Count one handled message (one lock for all three series)."""
        key = (media_label, result_name)
        with self._lock:
            self._handled[key] = self._handled.get(key, 0) + 1
            self._observe(self._duration, self.duration_buckets, media_label, seconds)
            if age is not None:
                self._observe(self._age, self.age_buckets, media_label, max(0.0, age))

    def _observe(self, distributions: dict, bounds: tuple, label: str, value: float) -> None:
        distribution = distributions.get(label)
        if distribution is None:
            distribution = distributions[label] = Distribution(len(bounds))
        distribution.counts[bisect_left(bounds, value)] += 1
        distribution.sum += value

    def collect(self) -> Iterator[Any]:
        with self._lock:
            handled = dict(self._handled)
            duration = {label: (list(d.counts), d.sum) for label, d in self._duration.items()}
            age = {label: (list(d.counts), d.sum) for label, d in self._age.items()}
        family = CounterMetricFamily("pubsub_messages_handled", "Messages handled, by media type and result",
                                     labels=["media_type", "result"])
        for (media_label, result_name), count in sorted(handled.items()):
            family.add_metric([media_label, result_name], count)
        yield family
        yield self._histogram("pubsub_handler_duration_seconds", "Time handling a message, by media type",
                              duration, self.duration_buckets)
        yield self._histogram("pubsub_message_age_seconds", "Time from SQS accepting a message to its handling",
                              age, self.age_buckets)

    def _histogram(self, name: str, documentation: str, snapshot: dict, bounds: tuple) -> Any:
        family = HistogramMetricFamily(name, documentation, labels=["media_type"])
        for label, (counts, total) in sorted(snapshot.items()):
            distribution = Distribution(len(bounds))
            distribution.counts = counts
            family.add_metric([label], distribution.cumulative(bounds), sum_value=total)
        return family
