"""
Trace a service call and its reply as one trace: a CLIENT span around the call, a PRODUCER span
around the reply's SendMessage carrying the context back in its message attributes.

Why this shape: the request is an ordinary publish (a `send` span, child of the call span) that
the service handles in a `process` span parented by it; the reply is sent from inside that
span, so every span of a call, on both sides, shares the caller's trace id.

"""
from contextlib import contextmanager
from functools import wraps
from typing import Any, Callable, Iterator

from microcosm_pubsub.observability import otel


def traced_call(call: Callable) -> Callable:
    """Decorates `ServiceClient.call(service_name, method, ...)`: one CLIENT span per call."""
    @wraps(call)
    def traced(client: Any, service_name: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """The call inside its CLIENT span."""
        if not otel.TRACING:
            return call(client, service_name, method, *args, **kwargs)
        attributes = {"rpc.system": "microcosm_pubsub", "rpc.service": service_name, "rpc.method": method}
        with otel.tracer().start_as_current_span(f"call {service_name}.{method}", kind=otel.SpanKind.CLIENT,
                                                 attributes=attributes):
            return call(client, service_name, method, *args, **kwargs)
    return traced


@contextmanager
def reply_span(reply_to: str) -> Iterator[dict]:
    """Span one reply's SendMessage; yields the extra keywords for it (its trace attributes)."""
    if not otel.TRACING:
        yield {}
        return
    name = otel.queue_name(reply_to)
    attributes = otel.messaging_attributes(otel.SQS, name, "send", "send_message")
    with otel.tracer().start_as_current_span(f"send {name}", kind=otel.SpanKind.PRODUCER, attributes=attributes):
        message_attributes: dict = {}
        otel.inject_current(message_attributes)
        yield dict(MessageAttributes=message_attributes) if message_attributes else {}
