"""
One received SQS message and the operations on it.

"""
from types import TracebackType
from typing import Any, Optional

from microcosm_pubsub.constants import TTL_KEY
from microcosm_pubsub.errors import Nack


class SQSMessage:
    """
    A decoded message, with the receipt needed to ack or nack it.

    Used as a context manager it acks on a clean exit and nacks on an exception (with the
    timeout of a `Nack` when one is raised), so a handler body cannot forget either.

    """

    def __init__(
        self,
        consumer: Any,
        content: Optional[dict],
        media_type: Optional[str],
        message_id: Optional[str],
        receipt_handle: Optional[str],
        topic_arn: Optional[str] = None,
        approximate_receive_count: Optional[int] = None,
        handler: Any = None,
    ):
        self.consumer = consumer
        self.content = content
        self.media_type = media_type
        self.message_id = message_id
        self.receipt_handle = receipt_handle
        self.topic_arn = topic_arn
        self.approximate_receive_count = approximate_receive_count
        self.handler = handler
        # why the body could not be decoded, if it could not; the dispatcher reports it as FAILED
        self.decode_error: Optional[BaseException] = None
        # SQS attributes beyond the receive count (e.g. MessageGroupId on FIFO queues)
        self.attributes: dict = {}

    def __repr__(self) -> str:
        return f"SQSMessage(message_id={self.message_id!r}, media_type={self.media_type!r})"

    def ack(self) -> None:
        """Delete the message from the queue: it was processed."""
        self.consumer.ack(self)

    def nack(self, visibility_timeout_seconds: Optional[int] = None) -> None:
        """Return the message to the queue after the backoff policy's (or the given) timeout."""
        self.consumer.nack(self, visibility_timeout_seconds)

    @property
    def opaque_data(self) -> dict:
        """The inbound request context (the live dict inside `content`)."""
        if not self.content:
            return {}
        opaque_data = self.content.get("opaque_data")
        return opaque_data if isinstance(opaque_data, dict) else {}

    @property
    def ttl(self) -> Optional[int]:
        """Hops left before the message is dropped as a publish loop, when it carries a count."""
        value = self.opaque_data.get(TTL_KEY)
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError, OverflowError):
            return None

    @property
    def uri(self) -> Optional[str]:
        if not self.content:
            return None
        return self.content.get("uri")

    @property
    def message_group_id(self) -> Optional[str]:
        """The FIFO group of the message, None on standard queues."""
        return self.attributes.get("MessageGroupId")

    def __enter__(self) -> "SQSMessage":
        return self

    def __exit__(
        self,
        exc_type: Optional[type],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool:
        if exc_type is None:
            self.ack()
        elif isinstance(exc_value, Nack):
            self.nack(exc_value.visibility_timeout_seconds)
        else:
            self.nack()
        return False
