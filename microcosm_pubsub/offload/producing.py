"""
The producer's side: a message over the threshold is stored in S3 and replaced by a pointer.

The pointer keeps the message's attributes (so subscription filter policies still match) and
adds `ExtendedPayloadSize`. On FIFO topics the deduplication id stays the payload's digest, so
two sends of one payload are still one message although each gets its own S3 key.

"""
from dataclasses import replace
from hashlib import sha256
from typing import Optional

from microcosm_pubsub.offload.pointer import size_attribute
from microcosm_pubsub.offload.store import S3PayloadStore
from microcosm_pubsub.outgoing import PubsubMessage


class PayloadOffloader:
    """Decides which messages go through S3 and rewrites them into pointers."""

    def __init__(self, store: Optional[S3PayloadStore], threshold: int, always: bool = False):
        self.store = store
        self.threshold = threshold
        self.always = always

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def should_offload(self, pubsub_message: PubsubMessage) -> bool:
        """Offload when a bucket is set and the message is over the threshold (or always)."""
        return self.store is not None and (self.always or pubsub_message.size > self.threshold)

    def offload(self, pubsub_message: PubsubMessage) -> PubsubMessage:
        """The message to publish: itself, or a pointer to its body stored in S3 (uploaded now)."""
        if self.store is None or not self.should_offload(pubsub_message):
            return pubsub_message
        body = pubsub_message.message.encode()
        pointer = self.store.put(body)
        return replace(
            pubsub_message,
            message=pointer.encode(),
            message_attributes={**pubsub_message.message_attributes, **size_attribute(len(body))},
            deduplication_id=self.deduplication_id(pubsub_message, body),
            payload_pointer=pointer,
        )

    def deduplication_id(self, pubsub_message: PubsubMessage, body: bytes) -> Optional[str]:
        """On FIFO topics, the payload's digest (the pointer differs on every send); else none is needed."""
        if not pubsub_message.is_fifo:
            return None
        return pubsub_message.deduplication_id or sha256(body).hexdigest()
