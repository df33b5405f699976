"""
The consumer's side: a message whose body is a pointer gets its payload from S3, then decodes.

The envelope only notes the pointer (`OffloadedPayload`); the download happens when the message
is resolved. `SQSConsumer.consume()` and `parse_raw_message` resolve at once, so every reader sees
the content. The daemon's engine resolves on the worker that handles the message, so a slow S3
never stalls receiving, and a download that fails is that one message's failure.

"""
from dataclasses import dataclass
from logging import getLogger
from typing import Any, Callable, Optional

from microcosm_pubsub.errors import BadMessageError
from microcosm_pubsub.offload.pointer import PayloadPointer
from microcosm_pubsub.offload.store import PayloadRefusedError, S3PayloadStore, safe_text


OFFLOADED_ATTRIBUTE = "offloaded_payload"


class PayloadResolver:
    """Reads offloaded payloads for one consumer, from its configured bucket only."""

    def __init__(self, store: Optional[S3PayloadStore], max_bytes: int, delete: bool = False,
                 bucket_setting: str = "sqs_consumer.large_payload_bucket"):
        self.store = store
        self.max_bytes = max_bytes
        self.delete = delete
        self.bucket_setting = bucket_setting

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def fetch(self, pointer: PayloadPointer, announced_size: Optional[int]) -> str:
        """
        The payload's text.

        Only the configured bucket is read: a pointer is data from the sender, and following it
        anywhere would let a publisher make this consumer read objects it was never meant to.

        """
        if self.store is None:
            raise PayloadRefusedError(
                f"the message's payload is offloaded to {pointer}, but this consumer reads no large "
                f"payloads: set {self.bucket_setting} to {pointer.bucket!r}"
            )
        if pointer.bucket != self.store.bucket:
            raise PayloadRefusedError(
                f"the message's payload is at {pointer}, outside this consumer's bucket "
                f"{self.store.bucket!r} ({self.bucket_setting}); refused"
            )
        return self.store.get(pointer, self.max_bytes, announced_size)

    def discard(self, pointer: PayloadPointer) -> None:
        """Delete a handled message's object, when `large_payload_delete` asks for it."""
        if not self.delete or self.store is None:
            return
        try:
            self.store.delete(pointer)
        except Exception as error:
            getLogger(__name__).warning(
                "could not delete the handled payload at %s (an S3 lifecycle rule will expire it): %s",
                pointer, safe_text(error),
            )


@dataclass
class OffloadedPayload:
    """A received message's pointer, and how to fill the message once the payload is read."""

    pointer: PayloadPointer
    announced_size: Optional[int]
    resolver: PayloadResolver
    decode: Callable[[str], None]
    resolved: bool = False
    discarded: bool = False


def offloaded_payload(message: Any) -> Optional[OffloadedPayload]:
    return getattr(message, OFFLOADED_ATTRIBUTE, None)


def resolve_payload(message: Any) -> None:
    """Download and decode a message's offloaded payload, once; `PayloadError`s say why it cannot be."""
    offloaded = offloaded_payload(message)
    if offloaded is None or offloaded.resolved:
        return
    offloaded.decode(offloaded.resolver.fetch(offloaded.pointer, offloaded.announced_size))
    offloaded.resolved = True


def resolve_payload_for_handling(message: Any) -> None:
    """
    `resolve_payload`, with a failure recorded as the message's `decode_error`.

    The dispatcher then reports that message as FAILED with the reason (retried by the backoff
    policy, and leaving the queue like any bad message once its attempts run out).

    """
    if getattr(message, "decode_error", None) is not None:
        return  # already failed (here or on receipt): it is not downloaded again
    try:
        resolve_payload(message)
    except BadMessageError as error:
        message.decode_error = error
    except Exception as error:
        message.decode_error = BadMessageError(
            f"cannot decode message {message.message_id}: {type(error).__name__}: {error}"
        )
        message.decode_error.__cause__ = error


def discard_payload(message: Any) -> None:
    """Once a message is deleted from its queue, delete its S3 object too (if so configured)."""
    offloaded = offloaded_payload(message)
    if offloaded is None or offloaded.discarded:
        return
    offloaded.discarded = True
    offloaded.resolver.discard(offloaded.pointer)
