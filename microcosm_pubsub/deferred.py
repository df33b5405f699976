"""
Deferred producers: publish a unit of work's messages only when it ends cleanly.

Messages are routed, validated and encoded at once, so bad input fails where it is produced; an
exception in the unit of work publishes nothing. The call shapes are the earlier library's (one
`Publish` per message, or one `batch_message` per chunk), since users' suites count them.

"""
from functools import wraps
from typing import Any, Callable, Iterable, Optional

from microcosm_pubsub.batch import MessageBatchSchema


class DeferredProducer:
    """
    Collects a unit of work's messages and publishes them when it exits cleanly.

    Messages are routed, validated and encoded at once, so bad input fails where it is produced;
    an exception in the unit of work publishes nothing.

    """

    def __init__(self, producer: Any):
        self.producer = producer
        self.messages: list[Any] = []

    def produce(self, media_type: str, dct: Optional[dict] = None, **kwargs: Any) -> None:
        if self.producer.skip:
            return
        self.messages.append(self.producer.create_message(media_type, dct, **kwargs))

    def __enter__(self) -> "DeferredProducer":
        self.messages = []
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if exc_type is not None:
            return
        self.publish_all()

    def publish_all(self) -> None:
        for pubsub_message in self.messages:
            self.producer.publish_message(pubsub_message)


class DeferredBatchProducer(DeferredProducer):
    """Publishes the unit of work's messages as `batch_message`s of `deferred_batch_size`."""

    def generate_message_batches(self, messages: list, deferred_batch_size: int) -> Iterable[list]:
        for start in range(0, len(messages), deferred_batch_size):
            yield messages[start:start + deferred_batch_size]

    def construct_batch_pubsub_message(self, message_batch: list[Any]) -> list[dict]:
        return [
            dict(
                media_type=pubsub_message.media_type,
                message=pubsub_message.message,
                message_attributes=pubsub_message.message_attributes,
                opaque_data=pubsub_message.opaque_data,
                topic_arn=pubsub_message.topic_arn,
            )
            for pubsub_message in message_batch
        ]

    def publish_all(self) -> None:
        for message_batch in self.generate_message_batches(self.messages, self.producer.deferred_batch_size):
            if len(message_batch) > 1:
                self.producer.produce(
                    MessageBatchSchema.MEDIA_TYPE,
                    messages=self.construct_batch_pubsub_message(message_batch),
                )
            elif message_batch:
                self.producer.publish_message(message_batch[0])


def _deferring(producer_class: type, component: Any, key: str) -> Callable:
    """A decorator that swaps `component.<key>` for a deferring producer during each call."""
    sns_producer = getattr(component.graph, key)

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            deferred_producer = producer_class(sns_producer)
            setattr(component, key, deferred_producer)
            try:
                with deferred_producer:
                    return func(*args, **kwargs)
            finally:
                setattr(component, key, sns_producer)
        return wrapper
    return decorator


def deferred(component: Any, key: str = "sns_producer") -> Callable:
    """Defer `component.<key>.produce` calls made by the decorated function until it returns."""
    return _deferring(DeferredProducer, component, key)


def deferred_batch(component: Any, key: str = "sns_producer") -> Callable:
    """Like `deferred`, publishing the collected messages as batches."""
    return _deferring(DeferredBatchProducer, component, key)
