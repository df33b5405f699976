"""
`@schema` and `@handles`: declare schemas and handlers where they are defined.

Both return their target unchanged and register into every registry resolved afterwards, in any
object graph (microcosm resolution hooks).

"""
from typing import Any, Callable, TypeVar

from microcosm.hooks import on_resolve

from microcosm_pubsub.registry import (
    PubSubMessageSchemaRegistry,
    SQSMessageHandlerRegistry,
    media_type_for,
)


T = TypeVar("T")


def register_schema(registry: PubSubMessageSchemaRegistry, schema_cls: Any) -> None:
    registry.register(media_type_for(schema_cls), schema_cls)


def register_handler(registry: SQSMessageHandlerRegistry, schema_cls: Any, handler: Any) -> None:
    registry.register(media_type_for(schema_cls), handler)


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
