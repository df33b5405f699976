"""
OpenTelemetry spans for publishing and handling, per the messaging semantic conventions.

Why the shape: a publish is a PRODUCER span `send <topic>` whose context goes out in the
message's attributes; a bulk publish makes one PRODUCER `create <topic>` span per message (the
creation context each message carries) and one `send <topic>` span for the PublishBatch call,
linked to them and counting them (`messaging.batch.message_count`). Handling is a CONSUMER span
`process <queue>` parented by, and linked to, the context the message carried (one message
per span, so a parent is allowed); a message without one starts a new trace.

Without `opentelemetry-api` every helper here returns a no-op; `TRACING` says which.
Applications configure the SDK (provider, exporter) as usual; `use_tracer_provider` sets a
provider for this package only (tests use it, since the global one can be set once).

"""
from contextlib import contextmanager
from time import monotonic
from typing import Any, Iterator, Optional, Sequence

from microcosm_pubsub.limits import SNS_MAX_MESSAGE_BYTES
from microcosm_pubsub.observability.carrier import TRACE_ATTRIBUTES, TRACEPARENT, put_trace_attributes

try:
    from opentelemetry import trace
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
except ImportError:  # the [otel] extra is optional
    trace = None

TRACING = trace is not None
SNS = "aws_sns"
SQS = "aws_sqs"
INSTRUMENTATION = "microcosm_pubsub"
RECHECK_SECONDS = 1.0
# a body this short (4 bytes a character at most) fits in SNS with any attributes: no size check
SURELY_FITS_CHARACTERS = (SNS_MAX_MESSAGE_BYTES - 8192) // 4
_state: dict[str, Any] = {"provider": None, "tracer": None, "recording": False, "recheck_at": 0.0}
propagator = TraceContextTextMapPropagator() if TRACING else None


def use_tracer_provider(provider: Any) -> None:
    """Trace this package's messages with `provider` (None: the global provider again)."""
    _state.update(provider=provider, tracer=None, recording=False, recheck_at=0.0)


def inject_ambient(message_attributes: dict) -> None:
    """Pass the current context on (no span of ours): only when there is one."""
    if trace.get_current_span().get_span_context().is_valid:
        inject_current(message_attributes)


def tracer() -> Any:
    """This package's tracer, from `use_tracer_provider`'s provider or the global one."""
    if _state["tracer"] is None:
        _state["tracer"] = trace.get_tracer(INSTRUMENTATION, tracer_provider=_state["provider"])
    return _state["tracer"]


def topic_name(topic_arn: Optional[str]) -> str:
    """`messaging.destination.name` of an SNS topic: the last part of its ARN."""
    return (topic_arn or "").rsplit(":", 1)[-1] or "unknown"


def queue_name(queue_url: Optional[str]) -> str:
    """`messaging.destination.name` of an SQS queue: the last part of its URL."""
    return (queue_url or "").rstrip("/").rsplit("/", 1)[-1] or "unknown"


def messaging_attributes(system: str, destination: str, operation_type: str, operation_name: str,
                         **extra: Any) -> dict[str, Any]:
    """The semantic-convention attributes every span here carries."""
    attributes = {
        "messaging.system": system,
        "messaging.destination.name": destination,
        "messaging.operation.type": operation_type,
        "messaging.operation.name": operation_name,
    }
    attributes.update({key: value for key, value in extra.items() if value is not None})
    return attributes


def inject_current(message_attributes: dict) -> None:
    """Put the current context into outgoing message attributes (when there is one)."""
    carrier: dict[str, str] = {}
    propagator.inject(carrier)
    if carrier:
        put_trace_attributes(message_attributes, carrier)


def inject_message(pubsub_message: Any, ambient: bool = False) -> None:
    """
    Put the context into an outgoing message's attributes, unless that would make SNS refuse it.

    A message that fits without the trace attributes but not with them goes out untraced: the
    size was checked when it was created, and a trace is not worth a refused publish.

    """
    attributes = pubsub_message.message_attributes
    (inject_ambient if ambient else inject_current)(attributes)
    if TRACEPARENT in attributes and len(pubsub_message.message) > SURELY_FITS_CHARACTERS \
            and pubsub_message.size > SNS_MAX_MESSAGE_BYTES:
        for name in TRACE_ATTRIBUTES:
            attributes.pop(name, None)


class PublishSpan:
    """The open PRODUCER span of one publish; `sent` notes the id SNS gave the message."""

    def __init__(self, span: Any = None):
        self.span = span

    def sent(self, message_id: Any) -> None:
        """Note SNS's message id on the span."""
        if self.span is not None and isinstance(message_id, str):
            self.span.set_attribute("messaging.message.id", message_id)


NO_PUBLISH_SPAN = PublishSpan()


class NoSpan:
    """The context manager of a publish when nothing records spans (shared: the hot path's cost)."""

    def __enter__(self) -> PublishSpan:
        return NO_PUBLISH_SPAN

    def __exit__(self, *exc_info: Any) -> None:
        return None


NO_SPAN = NoSpan()


def publish_span(pubsub_message: Any, system: str = SNS, destination: Optional[str] = None,
                 operation_name: str = "publish") -> Any:
    """Span one publish and inject its context into the message's attributes."""
    if not TRACING:
        return NO_SPAN
    if traces_nothing():  # no span: only the ambient context passes through
        inject_message(pubsub_message, ambient=True)
        return NO_SPAN
    return recorded_publish_span(pubsub_message, system, destination, operation_name)


@contextmanager
def recorded_publish_span(pubsub_message: Any, system: str, destination: Optional[str],
                          operation_name: str) -> Iterator[PublishSpan]:
    """The PRODUCER `send` span of one publish, its context injected into the message."""
    name = destination or topic_name(pubsub_message.topic_arn)
    attributes = messaging_attributes(system, name, "send", operation_name,
                                      **{"microcosm_pubsub.media_type": pubsub_message.media_type})
    with tracer().start_as_current_span(f"send {name}", kind=SpanKind.PRODUCER, attributes=attributes) as span:
        inject_message(pubsub_message)
        yield PublishSpan(span)


def publish_batch_span(topic_arn: str, pubsub_messages: Sequence[Any], indexes: Sequence[int]) -> Any:
    """A `create` span per message (its context goes into its attributes), one linked `send` span."""
    if not TRACING:
        return NO_SPAN
    if traces_nothing():  # no span: only the ambient context passes through
        for index in indexes:
            inject_message(pubsub_messages[index], ambient=True)
        return NO_SPAN
    return recorded_batch_span(topic_arn, pubsub_messages, indexes)


@contextmanager
def recorded_batch_span(topic_arn: str, pubsub_messages: Sequence[Any], indexes: Sequence[int]) -> Iterator[None]:
    """The `create` spans of a PublishBatch's messages and its linked `send` span."""
    name = topic_name(topic_arn)
    links = []
    for index in indexes:
        pubsub_message = pubsub_messages[index]
        attributes = messaging_attributes(SNS, name, "create", "create",
                                          **{"microcosm_pubsub.media_type": pubsub_message.media_type})
        with tracer().start_as_current_span(f"create {name}", kind=SpanKind.PRODUCER,
                                            attributes=attributes) as create:
            inject_message(pubsub_message)
            links.append(Link(create.get_span_context()))
    attributes = messaging_attributes(SNS, name, "send", "publish_batch",
                                      **{"messaging.batch.message_count": len(indexes)})
    with tracer().start_as_current_span(f"send {name}", kind=SpanKind.PRODUCER, attributes=attributes,
                                        links=links):
        yield


def traces_nothing() -> bool:
    """
    Whether no tracer provider is configured (neither the SDK's global one nor `use_tracer_provider`).

    Spans are then non-recording: for a message that carried no trace context such a span has an
    invalid context, so it changes nothing anyone sees, and handling can skip it. Asking the API
    reads the environment, so the answer "nothing" is kept for `RECHECK_SECONDS` (a provider set
    later is seen within that); a configured provider is kept for good (the global one is set once).

    """
    if _state["recording"]:
        return False
    now = monotonic()
    if now < _state["recheck_at"]:
        return True
    provider = _state["provider"] or trace.get_tracer_provider()
    recording = not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))
    _state["recording"], _state["recheck_at"] = recording, now + RECHECK_SECONDS
    return not recording
