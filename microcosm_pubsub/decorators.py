"""
`@schema`, `@handles` and `@handles_batch`: declare schemas and handlers where they are defined.

Both return their target unchanged and register into every registry resolved afterwards, in any
object graph (microcosm resolution hooks).

"""
from typing import Any, Callable, Optional, TypeVar

from microcosm.hooks import on_resolve

from microcosm_pubsub.registry import (
    BatchSpec,
    PubSubMessageSchemaRegistry,
    SQSMessageHandlerRegistry,
    media_type_for,
)


T = TypeVar("T")


def register_schema(registry: PubSubMessageSchemaRegistry, schema_cls: Any) -> None:
    registry.register(media_type_for(schema_cls), schema_cls)


def register_handler(registry: SQSMessageHandlerRegistry, schema_cls: Any, handler: Any,
                     batch: Optional[BatchSpec] = None) -> None:
    registry.register(media_type_for(schema_cls), handler, batch=batch)


def schema(schema_cls: T) -> T:
    """Register a schema class for its `MEDIA_TYPE`."""
    on_resolve(PubSubMessageSchemaRegistry, register_schema, schema_cls)
    return schema_cls


def handles(schema_cls: Any) -> Callable[[T], T]:
    """Register the decorated handler (and the schema) for a schema class or a media type string."""
    def decorator(handler: T) -> T:
        on_resolve(PubSubMessageSchemaRegistry, register_schema, schema_cls)
        on_resolve(SQSMessageHandlerRegistry, register_handler, schema_cls, handler)
        return handler
    return decorator


def handles_batch(schema_cls: Any, max_size: int = 10, max_wait_seconds: float = 1.0) -> Callable[[T], T]:
    """
    Register a batch handler: it is called with a list of up to `max_size` `SQSMessage`s of the
    media type (sync or `async def`), gathered for at most `max_wait_seconds`.

    Returning normally settles every message as SUCCEEDED; raising `BatchFailures({message_id:
    exception_or_outcome})` settles those messages by their outcome and the rest as SUCCEEDED; any
    other exception fails the whole batch (each message retried by the backoff policy). Why: one
    call for many messages (a bulk insert) costs one round trip instead of `max_size`.

    """
    spec = BatchSpec(max_size=max_size, max_wait_seconds=max_wait_seconds)

    def decorator(handler: T) -> T:
        on_resolve(PubSubMessageSchemaRegistry, register_schema, schema_cls)
        on_resolve(SQSMessageHandlerRegistry, register_handler, schema_cls, handler, spec)
        return handler
    return decorator
