"""
Prometheus metrics of a consumer, served as `GET /metrics` on its health port.

Why three sources: what the engine already counts (`EngineStats`: received, in flight,
heartbeat extensions, released) is read at scrape time, so nothing is counted twice; what it
does not count per media type (results, handler duration, message age) is recorded by the
dispatcher's observation hook; SQS calls, entries and failures are counted from botocore's own
`after-call` events on the consumer's client, so the broker side needs no hook in the engine.

Label cardinality is bounded: a media type is labelled as itself only when the daemon has a
handler bound to it (a wildcard binding labels by its pattern), else as "other"; error kinds
beyond `MAX_ERROR_KINDS` are "other".

Without `prometheus-client` nothing is recorded and `METRICS` is False.

"""
from threading import Lock
from typing import Any, Optional

try:
    from prometheus_client import CollectorRegistry, Counter, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    from microcosm_pubsub.observability.message_series import HandledSeries
except ImportError:  # the [prometheus] extra is optional
    CollectorRegistry = None

METRICS = CollectorRegistry is not None
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OTHER = "other"
MAX_ERROR_KINDS = 20
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
AGE_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400, 345600, 1209600)
OPERATIONS = {
    "ReceiveMessage": "receive",
    "DeleteMessage": "delete",
    "DeleteMessageBatch": "delete",
    "ChangeMessageVisibility": "change_visibility",
    "ChangeMessageVisibilityBatch": "change_visibility",
}
# EngineStats counter -> (metric name, help)
ENGINE_COUNTERS = (
    ("received", "pubsub_messages_received", "Messages received from SQS"),
    ("extended", "pubsub_heartbeat_extensions", "Visibility extensions of messages whose handlers ran long"),
    ("released", "pubsub_messages_released", "Messages returned to the queue unhandled (at stop, or held back)"),
    ("resolve_failed", "pubsub_resolve_failures", "Deletes/visibility changes SQS refused after retries"),
    ("receive_errors", "pubsub_receive_errors", "ReceiveMessage calls that failed"),
)


class MessageMetrics:
    """The per-message and per-SQS-call series of one consumer, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.handled = HandledSeries(DURATION_BUCKETS, AGE_BUCKETS)
        self.registry.register(self.handled)
        self.calls = Counter("pubsub_sqs_calls", "SQS calls", ["operation"], registry=self.registry)
        self.entries = Counter("pubsub_sqs_entries", "Messages in SQS calls (received, deleted, changed)",
                               ["operation"], registry=self.registry)
        self.call_failures = Counter("pubsub_sqs_call_failures", "SQS calls that failed as a whole",
                                     ["operation"], registry=self.registry)
        self.entry_failures = Counter("pubsub_sqs_entry_failures", "Batch entries SQS refused",
                                      ["operation"], registry=self.registry)
        self.broker_errors = Counter("pubsub_broker_errors", "SQS errors, by kind", ["kind"], registry=self.registry)
        self._kinds: set[str] = set()
        self._lock = Lock()
        self._watched: set[int] = set()

    def record(self, media_label: str, result_name: str, seconds: float, age: Optional[float]) -> None:
        """One handled message (labels already bounded)."""
        self.handled.record(media_label, result_name, seconds, age)

    def watch(self, client: Any) -> None:
        """Count `client`'s SQS calls from botocore's events (duck-typed readers have none)."""
        events = getattr(getattr(client, "meta", None), "events", None)
        if events is None or not hasattr(events, "register") or id(client) in self._watched:
            return
        self._watched.add(id(client))
        events.register("after-call.sqs", self._after_call)
        events.register("after-call-error.sqs", self._after_call_error)

    def _after_call(self, event_name: str = "", parsed: Any = None, **kwargs: Any) -> None:
        operation = OPERATIONS.get(event_name.rsplit(".", 1)[-1])
        parsed = parsed if isinstance(parsed, dict) else {}
        error = parsed.get("Error")
        if error:
            self._error(str(error.get("Code") or "Error"))
        if operation is None:
            return
        self.calls.labels(operation).inc()
        if error:
            self.call_failures.labels(operation).inc()
            return
        if operation == "receive":
            self.entries.labels(operation).inc(len(parsed.get("Messages") or ()))
        elif "Successful" in parsed or "Failed" in parsed:
            failed = len(parsed.get("Failed") or ())
            self.entries.labels(operation).inc(len(parsed.get("Successful") or ()) + failed)
            if failed:
                self.entry_failures.labels(operation).inc(failed)
        else:
            self.entries.labels(operation).inc()

    def _after_call_error(self, event_name: str = "", exception: Any = None, **kwargs: Any) -> None:
        operation = OPERATIONS.get(event_name.rsplit(".", 1)[-1])
        self._error(type(exception).__name__)
        if operation is not None:
            self.calls.labels(operation).inc()
            self.call_failures.labels(operation).inc()

    def _error(self, kind: str) -> None:
        with self._lock:
            if kind not in self._kinds and len(self._kinds) >= MAX_ERROR_KINDS:
                kind = OTHER
            self._kinds.add(kind)
        self.broker_errors.labels(kind).inc()


class EngineStatsCollector:
    """Exposes an engine's `EngineStats` counters at scrape time."""

    def __init__(self, engine: Any):
        self.engine = engine

    def collect(self) -> Any:
        stats = self.engine.stats.snapshot()
        for key, name, documentation in ENGINE_COUNTERS:
            yield CounterMetricFamily(name, documentation, value=stats.get(key, 0))
        yield GaugeMetricFamily("pubsub_messages_in_flight", "Messages whose handlers are running",
                                value=stats.get("in_flight", 0))
        yield GaugeMetricFamily("pubsub_draining", "1 while the consumer stops", value=int(self.engine.draining))


def exposition(metrics: Optional[MessageMetrics], engine: Any) -> bytes:
    """The text exposition of one consumer: its engine's counters and its message metrics."""
    if not METRICS:
        return b""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineStatsCollector(engine))
    text = generate_latest(registry)
    return text + (generate_latest(metrics.registry) if metrics is not None else b"")


def metrics_answer(engine: Any) -> tuple[int, Any]:
    """The health server's `/metrics` answer: (status, (content type, body)) or (404, JSON error)."""
    if not METRICS:
        return 404, {"error": "/metrics needs prometheus-client: pip install microcosm-pubsub[prometheus]"}
    observer = getattr(getattr(engine, "dispatcher", None), "observer", None)
    return 200, (CONTENT_TYPE, exposition(getattr(observer, "metrics", None), engine))
