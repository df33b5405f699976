"""
The per-message request context (the opaque) that handlers and onward publishes see.

"""
from typing import Any

from microcosm.api import defaults, typed
from microcosm.config.types import boolean

from microcosm_pubsub.constants import MESSAGE_ID_KEY, RECEIPT_HANDLE_KEY, TTL_KEY, URI_KEY
from microcosm_pubsub.message import SQSMessage


@defaults(
    # count hops in opaqueData x-request-ttl so publish loops die out
    enable_ttl=typed(boolean, default_value=True),
    # hops a message may travel when it arrives without a count
    initial_ttl=typed(int, default_value=32),
)
class SQSMessageContext:
    """Builds the opaque dict for a message: its inbound context plus id, ttl, uri, receipt."""

    def __init__(self, graph: Any):
        self.enable_ttl = graph.config.sqs_message_context.enable_ttl
        self.initial_ttl = graph.config.sqs_message_context.initial_ttl

    def __call__(self, context: SQSMessage, **kwargs: Any) -> dict:
        return self.from_sqs_message(context, **kwargs)

    def from_sqs_message(self, message: SQSMessage, **kwargs: Any) -> dict:
        context = dict(message.opaque_data)
        context[MESSAGE_ID_KEY] = message.message_id
        context.update(kwargs)
        if self.enable_ttl:
            ttl = message.ttl
            context[TTL_KEY] = str((self.initial_ttl if ttl is None else ttl) - 1)
        if message.uri:
            context[URI_KEY] = message.uri
        if message.receipt_handle:
            context[RECEIPT_HANDLE_KEY] = message.receipt_handle
        return context
