"""
Optional statsd-style timings of handling, batches and publishing.

Each component sends only when its own `enabled` key holds, `pubsub_send_metrics.enabled` holds
(the earlier library read that one key for all three, so deployments switch them all off with
it), and a `metrics` client (microcosm-metrics) is bound and not pointed at `localhost`: local
runs and tests stay quiet without extra config. Metric names and tags follow the earlier
library so existing dashboards keep working.

"""
from typing import TYPE_CHECKING, Any, Optional

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm.errors import LockedGraphError, NotBoundError
from microcosm.object_graph import ObjectGraph


if TYPE_CHECKING:
    from microcosm_pubsub.result import MessageHandlingResult

SOURCE_TAG = "source:microcosm-pubsub"


class _MetricsComponent:
    """Shared enablement for the three metrics components; `key` names the component's config."""

    key = ""

    def __init__(self, graph: ObjectGraph):
        self.metrics = self.get_metrics(graph)
        self.enabled = bool(
            self.metrics is not None
            and getattr(self.metrics, "host", None) != "localhost"
            and _flag(graph, self.key)
            and _flag(graph, "pubsub_send_metrics")
        )

    def get_metrics(self, graph: ObjectGraph) -> Optional[Any]:
        """The graph's `metrics` client, or None when none is bound (metrics then stay off)."""
        try:
            return graph.metrics
        except (NotBoundError, LockedGraphError):
            return None


def _flag(graph: ObjectGraph, key: str) -> bool:
    """A component's `enabled` setting, True when its config section is absent."""
    section = getattr(graph.config, key, None)
    return bool(getattr(section, "enabled", True))


@defaults(
    # Send per-message timings (also needs a non-localhost `metrics` client).
    enabled=typed(boolean, default_value=True),
)
class PubSubSendMetrics(_MetricsComponent):
    """Time each handled message, tagged by result and media type; IGNORED ones are not sent."""

    key = "pubsub_send_metrics"

    def __call__(self, result: "MessageHandlingResult") -> None:
        """Send `message` (elapsed ms) and, when known, `message_handle_start` (publish-to-start s)."""
        if not self.enabled or result.result.name == "IGNORED":
            return
        tags = [SOURCE_TAG, f"result:{result.result.name}", f"media-type:{result.media_type}"]
        self.metrics.histogram("message", result.elapsed_time, tags=tags)
        if result.handle_start_time:
            self.metrics.histogram("message_handle_start", result.handle_start_time, tags=tags)


@defaults(
    # Send per-batch timings and sizes (also needs pubsub_send_metrics.enabled).
    enabled=typed(boolean, default_value=True),
)
class PubSubSendBatchMetrics(_MetricsComponent):
    """Time each received batch that held at least one message that was not ignored."""

    key = "pubsub_send_batch_metrics"

    def __call__(self, elapsed_time: float, message_batch_size: int) -> None:
        """Send `message_batch` (elapsed ms) and `message_batch_size` for a non-empty batch."""
        if not self.enabled or message_batch_size <= 0:
            return
        tags = [SOURCE_TAG]
        self.metrics.histogram("message_batch", elapsed_time, tags=tags)
        self.metrics.histogram("message_batch_size", message_batch_size, tags=tags)


@defaults(
    # Send per-publish timings (also needs pubsub_send_metrics.enabled).
    enabled=typed(boolean, default_value=True),
)
class PubSubProducerMetrics(_MetricsComponent):
    """Time each publish, tagged by outcome and media type."""

    key = "pubsub_producer_metrics"

    def __call__(self, elapsed_time: float, publish_result: Any, **kwargs: Any) -> None:
        """Send `sns_producer` (elapsed ms); `publish_result` is e.g. "SUCCESS" or "FAILURE"."""
        if not self.enabled:
            return
        tags = [
            SOURCE_TAG,
            f"publish_result:{publish_result}",
            f"media_type:{kwargs.get('media_type')}",
        ]
        self.metrics.histogram("sns_producer", elapsed_time, tags=tags)
