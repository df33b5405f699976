"""
A Lambda event's records as one batch: a CONSUMER `process <queue>` span around them all.

Why a span of its own: the conventions describe processing a batch as one `process` span that
counts its messages (`messaging.batch.message_count`) and links each message's creation
context, since a batch has many parents and a span only one. Each record still gets its own
`process` span, parented by the context it carried (`observer`).

"""
from typing import Any, Sequence

from microcosm_pubsub.observability import otel, processing
from microcosm_pubsub.observability.carrier import DESTINATION_ATTRIBUTE, carrier_of


def lambda_batch_span(messages: Sequence[Any], records: Sequence[Any]) -> Any:
    """The batch span of an event's parsed `messages` (a shared no-op when nothing records spans)."""
    if not otel.TRACING or otel.traces_nothing() or not messages:
        return otel.NO_SPAN
    source = next((record.get("eventSourceARN") for record in records if isinstance(record, dict)), None)
    name = otel.topic_name(source)
    for message in messages:
        # a Lambda consumer has no queue URL: each record's own span is named after the event source too
        setattr(message, DESTINATION_ATTRIBUTE, name)
    contexts = [processing.extracted_context(carrier_of(message)) for message in messages]
    links = [link for context in contexts for link in processing.carried_link(context)]
    attributes = otel.messaging_attributes(otel.SQS, name, "process", "process",
                                           **{"messaging.batch.message_count": len(messages)})
    return otel.tracer().start_as_current_span(f"process {name}", kind=otel.SpanKind.CONSUMER,
                                               attributes=attributes, links=links)
