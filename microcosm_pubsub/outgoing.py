"""
An outgoing message: encoded, routed and ready to publish.

Its own module so that the producer, bulk publishing and offloading all use it without
importing one another.

"""
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, Optional


@dataclass
class PubsubMessage:
    """An encoded message, routed and ready to publish."""

    media_type: str
    message: str
    message_attributes: dict[str, dict[str, str]]
    opaque_data: dict
    topic_arn: str
    # FIFO deduplication id; None: the digest of `message` (an offloaded message keeps its payload's)
    deduplication_id: Optional[str] = None
    # where the payload went when the message was offloaded to S3 (a PayloadPointer)
    payload_pointer: Any = None

    @property
    def size(self) -> int:
        """Bytes SNS counts against its limit: the body plus each attribute's name, type and value."""
        attributes = sum(
            len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
            for name, value in self.message_attributes.items()
        )
        return len(self.message.encode()) + attributes

    @property
    def is_fifo(self) -> bool:
        return self.topic_arn.endswith(".fifo")

    def fifo_arguments(self, message_group_id: Optional[str] = None) -> dict[str, str]:
        """The group (the media type unless given) and a deduplication id derived from the body."""
        if not self.is_fifo:
            return {}
        return {
            "MessageGroupId": message_group_id or self.media_type,
            "MessageDeduplicationId": self.deduplication_id or sha256(self.message.encode()).hexdigest(),
        }
