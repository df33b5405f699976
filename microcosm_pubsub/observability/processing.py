"""
The consumer side of tracing: a received message's context, its CONSUMER span, its outcome.

Called only when opentelemetry-api is installed (`otel.TRACING`); the observer decides when.

"""
from typing import Any, Optional

from microcosm_pubsub.observability import otel

try:
    from opentelemetry import context as otel_context, trace
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode
except ImportError:  # only called when the [otel] extra is installed
    pass


def extracted_context(carrier: Optional[dict]) -> Any:
    """The context a received message carried (None when it carried none)."""
    return otel.propagator.extract(carrier) if carrier else None


def carried_link(parent: Any) -> list:
    """A link to the carried context (the conventions' creation-context link), when valid."""
    span_context = trace.get_current_span(parent).get_span_context() if parent is not None else None
    return [Link(span_context)] if span_context is not None and span_context.is_valid else []


def start_process_span(carrier: Optional[dict], destination: str, message_id: Any,
                       extra: dict) -> tuple[Any, Any]:
    """Start and make current the CONSUMER span of one message; returns (span, context token)."""
    parent = extracted_context(carrier)
    attributes = otel.messaging_attributes(otel.SQS, destination, "process", "process",
                                           **{"messaging.message.id": message_id, **extra})
    span = otel.tracer().start_span(f"process {destination}", context=parent, kind=SpanKind.CONSUMER,
                                    attributes=attributes, links=carried_link(parent))
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


def attach_carried(carrier: dict) -> tuple[Any, Any]:
    """Make a received context current without a span (nothing records); returns (its span, token)."""
    parent = extracted_context(carrier)
    return trace.get_current_span(parent), otel_context.attach(parent)


def detach(token: Any) -> None:
    """Undo `attach_carried`."""
    otel_context.detach(token)


def end_process_span(span: Any, token: Any, result: Any = None, error: Optional[BaseException] = None) -> None:
    """Set the status from the outcome (FAILED is an error, with its exception), then end."""
    try:
        if result is not None:
            span.set_attribute("microcosm_pubsub.result", result.result.name)
            if result.result.name == "FAILED":
                exc_info = result.exc_info
                error = exc_info[1] if exc_info else error
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:200]))
    finally:
        otel_context.detach(token)
        span.end()


def span_ids(span: Any) -> Optional[tuple[str, str]]:
    """The span's trace and span ids as W3C hex, for log lines (None for an invalid context)."""
    span_context = span.get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
