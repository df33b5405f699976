"""
The dispatcher's one hook: each message's handling observed (span, metrics, trace id in logs).

Why one hook for both extras: the handler's span and its metrics start and end at the same
two points, so the hot path pays one `with` for both; with neither extra active it is a shared
no-op object.

"""
from time import perf_counter, time
from typing import Any, Optional

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm.errors import LockedGraphError, NotBoundError

from microcosm_pubsub.observability import otel, processing
from microcosm_pubsub.observability.carrier import CARRIER_ATTRIBUTE, DESTINATION_ATTRIBUTE, sent_timestamp
from microcosm_pubsub.observability.metrics import METRICS, OTHER, MessageMetrics
from microcosm_pubsub.registry import CATCH_ALL

# opaque keys that carry the trace into log lines (and onward in opaqueData)
TRACE_ID_KEY = "trace_id"
SPAN_ID_KEY = "span_id"
MAX_CACHED_MEDIA_TYPES = 1024


class NoObservation:
    """What `observe` returns when nothing is traced or measured."""

    def __enter__(self) -> "NoObservation":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def finish(self, result: Any) -> None:
        return None


NO_OBSERVATION = NoObservation()


class Measurement:
    """One message's measurements: its result, handling time and age (metrics without tracing)."""

    __slots__ = ("metrics", "label", "message", "started")

    def __init__(self, metrics: Optional[MessageMetrics], label: str, message: Any):
        self.metrics, self.label, self.message = metrics, label, message

    def __enter__(self) -> "Measurement":
        self.started = perf_counter()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def finish(self, result: Any) -> None:
        """Record the outcome (called once the result is known, still inside the `with`)."""
        try:
            seconds = perf_counter() - self.started
            sent = sent_timestamp(self.message)
            self.metrics.record(self.label, result.result.label, seconds, None if sent is None else time() - sent)
        except Exception:
            pass  # a measurement must never change a handled message's result


class Observation(Measurement):
    """One message's handling in its CONSUMER span (or carried context), and its measurements."""

    __slots__ = ("opaque", "queue_url", "carrier", "span", "token")

    def __init__(self, metrics: Optional[MessageMetrics], label: str, message: Any, opaque: Any, queue_url: Any,
                 carrier: Optional[dict]):
        super().__init__(metrics, label, message)
        self.opaque, self.queue_url, self.carrier = opaque, queue_url, carrier
        self.span = self.token = None

    def __enter__(self) -> "Observation":
        try:
            self.start_span()
        except Exception:
            # observing must never cost a message its handling: it runs unobserved
            self.span = self.token = None
        self.started = perf_counter()
        return self

    def start_span(self) -> None:
        """Open the CONSUMER span (or make the carried context current); ids into the opaque."""
        if not otel.traces_nothing():
            extra = {"microcosm_pubsub.media_type": self.message.media_type}
            destination = getattr(self.message, DESTINATION_ATTRIBUTE, None) or otel.queue_name(self.queue_url)
            self.span, self.token = processing.start_process_span(
                self.carrier, destination, self.message.message_id, extra)
            ids = processing.span_ids(self.span)
        else:
            # nothing records spans: the carried context is made current, so publishes pass it on
            carried, self.token = processing.attach_carried(self.carrier)
            ids = processing.span_ids(carried)
        if ids is not None:
            self.opaque[TRACE_ID_KEY], self.opaque[SPAN_ID_KEY] = ids

    def finish(self, result: Any) -> None:
        if self.metrics is not None:
            super().finish(result)
        span, self.span = self.span, None
        token, self.token = self.token, None
        try:
            if span is not None:
                processing.end_process_span(span, token, result)
            elif token is not None:
                processing.detach(token)
        except Exception:
            pass

    def __exit__(self, exc_type: Any, error: Optional[BaseException], traceback: Any) -> None:
        if self.span is not None:
            processing.end_process_span(self.span, self.token, error=error)
        elif self.token is not None:
            processing.detach(self.token)


class MessageObserver:
    """Traces (with opentelemetry-api) and measures (with prometheus-client) handled messages."""

    def __init__(self, tracing: bool, metrics: bool):
        self.tracing = tracing and otel.TRACING
        self.metrics: Optional[MessageMetrics] = MessageMetrics() if metrics and METRICS else None
        self.active = self.tracing or self.metrics is not None
        self._labels: dict[Any, str] = {}

    def watch(self, consumer: Any) -> None:
        """Count the SQS calls of `consumer`'s client."""
        if self.metrics is not None:
            self.metrics.watch(getattr(consumer, "sqs_client", None))

    def observe(self, opaque: Any, message: Any, queue_url: Any, bound_handlers: Any) -> Any:
        """A context manager around one message's handling; `.finish(result)` inside it."""
        if not self.active:
            return NO_OBSERVATION
        label = self.media_label(message.media_type, bound_handlers) if self.metrics is not None else OTHER
        if self.tracing:
            carrier = getattr(message, CARRIER_ATTRIBUTE, None)
            # a span nobody records, with no trace to continue, would change nothing: skip its cost
            if carrier is not None or not otel.traces_nothing():
                return Observation(self.metrics, label, message, opaque, queue_url, carrier)
        if self.metrics is None:
            return NO_OBSERVATION
        return Measurement(self.metrics, label, message)

    def media_label(self, media_type: Any, bound_handlers: Any) -> str:
        """The media type when a handler is bound to it (or its wildcard pattern), else "other"."""
        label = self._labels.get(media_type)
        if label is None:
            label = label_for(media_type, bound_handlers or {})
            if len(self._labels) < MAX_CACHED_MEDIA_TYPES:
                self._labels[media_type] = label
        return label


def label_for(media_type: Any, bound_handlers: dict) -> str:
    """The bounded media-type label for `media_type` given the daemon's bindings."""
    if not isinstance(media_type, str):
        return OTHER
    if media_type in bound_handlers:
        return media_type
    for pattern in bound_handlers:
        if isinstance(pattern, str) and pattern.endswith(".*") and media_type.startswith(pattern[:-1]) \
                and "." not in media_type[len(pattern) - 1:]:
            return pattern
    # a catch-all binding (callback consumers) labels by its pattern too: still one label
    return CATCH_ALL if CATCH_ALL in bound_handlers else OTHER


@defaults(
    # run each handler in an OpenTelemetry CONSUMER span and propagate trace context (needs [otel])
    tracing=typed(boolean, default_value=True),
    # count messages, durations and SQS calls for GET /metrics (needs [prometheus])
    metrics=typed(boolean, default_value=True),
)
def configure_observability(graph: Any) -> MessageObserver:
    """The `pubsub_observability` component."""
    config = graph.config.pubsub_observability
    return MessageObserver(tracing=config.tracing, metrics=config.metrics)


def observer_for(graph: Any, consumer: Any = None) -> MessageObserver:
    """The graph's observer (a no-op one when the component cannot be had), watching `consumer`."""
    try:
        observer = graph.pubsub_observability
    except (NotBoundError, LockedGraphError, AttributeError, KeyError):
        observer = None
    if not isinstance(observer, MessageObserver):
        observer = MessageObserver(tracing=True, metrics=True)
    observer.watch(consumer)
    return observer
