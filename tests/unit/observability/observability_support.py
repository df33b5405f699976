"""
The probe schema and handler of the observability tests (imported as `observability_support`).

"""
from dataclasses import dataclass, field
from threading import Condition
from typing import Any, Callable

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.decorators import schema
from microcosm_pubsub.errors import SkipMessage


TRACE_PROBE = "application/vnd.microcosm.trace-probe"


@schema
class TraceProbeSchema(PubSubMessageSchema):
    """A test message; `outcome` says what its handler does (succeed, fail, skip)."""

    MEDIA_TYPE = TRACE_PROBE

    index = fields.Integer(required=True)
    outcome = fields.String(required=False)


@dataclass
class Seen:
    """What the probe handler saw: each message's index, current trace id and opaque trace id."""

    items: list = field(default_factory=list)
    condition: Condition = field(default_factory=Condition)

    def handler(self, graph: Any) -> Callable[[dict], Any]:
        from opentelemetry import trace

        def handle(content: dict) -> bool:
            span_context = trace.get_current_span().get_span_context()
            with self.condition:
                self.items.append(dict(index=content["index"], trace_id=format(span_context.trace_id, "032x"),
                                       opaque_trace_id=graph.opaque.get("trace_id")))
                self.condition.notify_all()
            if content.get("outcome") == "fail":
                raise ValueError(f"probe {content['index']} fails")
            if content.get("outcome") == "skip":
                raise SkipMessage("probe skipped")
            return True
        return handle

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: len(self.items) >= count, timeout)
