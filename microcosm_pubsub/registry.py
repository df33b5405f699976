"""
Which schema decodes a media type, and which handler processes it.

"""
from collections import defaultdict
from dataclasses import dataclass
from inspect import isclass
from typing import Any, Iterator, Optional, Union

from marshmallow import EXCLUDE
from microcosm.api import defaults, typed
from microcosm.config.types import boolean

from microcosm_pubsub.bounds import Bounds, checked
from microcosm_pubsub.codecs import PubSubMessageCodec
from microcosm_pubsub.conventions.messages import (
    ChangedURIMessageSchema,
    IdentityMessageSchema,
    URIMessageSchema,
)
from microcosm_pubsub.errors import (
    AlreadyRegisteredError,
    HandlerNotFoundError,
    PubSubError,
    SchemaNotFoundError,
)


# a bound handler under this key receives every media type (callback consumers, services)
CATCH_ALL = "*"


BATCH_BOUNDS = dict(max_size=Bounds(1, 1000), max_wait_seconds=Bounds(0, 60, whole=False, unit="seconds"))


@dataclass(frozen=True)
class BatchSpec:
    """How a batch handler (`@handles_batch`) takes messages: up to `max_size`, waiting at most `max_wait_seconds`."""

    max_size: int = 10
    max_wait_seconds: float = 1.0

    def __post_init__(self) -> None:
        """Refuse a size or wait that cannot be meant where the handler is declared, not at a first batch."""
        for name, bounds in BATCH_BOUNDS.items():
            object.__setattr__(self, name, checked(f"@handles_batch {name}", getattr(self, name), bounds))


def wildcard_for(media_type: str) -> str:
    """The wildcard that matches `media_type`: its last dot-segment replaced by `*`."""
    return media_type.rsplit(".", 1)[0] + ".*"


def media_type_for(schema_cls: Any) -> str:
    """The media type a schema class (or a plain media type string) stands for."""
    if isinstance(schema_cls, str):
        return schema_cls
    if hasattr(schema_cls, "MEDIA_TYPE"):
        return schema_cls.MEDIA_TYPE
    if hasattr(schema_cls, "infer_media_type"):
        return schema_cls.infer_media_type()
    raise PubSubError(
        f"cannot tell the media type of {schema_cls!r}: give the schema class a MEDIA_TYPE attribute"
    )


class PubSubMessageSchemaRegistry:
    """
    Maps media types to codecs.

    Lookups are cached per media type: finding a codec costs a dict lookup on the hot path.

    """

    def __init__(self, graph: Any):
        self.graph = graph
        self.lifecycle_change = graph.pubsub_lifecycle_change
        self.auto_register = graph.config.pubsub_message_schema_registry.auto_register
        self._media_types: set[str] = set()
        self._mappings: dict[str, type] = {}
        self._codecs: dict[str, PubSubMessageCodec] = {}

    def register(self, media_type: str, value: Union[str, type]) -> None:
        """Record a media type, with its schema class unless `value` is just the type string."""
        self._media_types.add(media_type)
        self._codecs.clear()
        if isinstance(value, str):
            return
        existing = self._mappings.get(media_type)
        if existing is not None and existing is not value:
            raise AlreadyRegisteredError(
                f"media type {media_type} already has schema {existing.__name__}; "
                f"cannot register {getattr(value, '__name__', value)} too"
            )
        self._mappings[media_type] = value

    def find_matching_media_type(self, media_type: str) -> Optional[str]:
        """The registered media type that matches: the exact one, else its trailing wildcard."""
        if media_type in self._media_types:
            return media_type
        wildcard = wildcard_for(media_type)
        return wildcard if wildcard in self._media_types else None

    def find(self, media_type: str) -> PubSubMessageCodec:
        """The codec for a media type; a `KeyError` (`SchemaNotFoundError`) when there is none."""
        codec = self._codecs.get(media_type)
        if codec is None:
            codec = self._codecs[media_type] = self._make_codec(media_type)
        return codec

    def _make_codec(self, media_type: str) -> PubSubMessageCodec:
        matching = self.find_matching_media_type(media_type)
        if matching is None:
            if not (self.auto_register and self.lifecycle_change.matches(media_type)):
                raise SchemaNotFoundError(
                    f"no schema is registered for media type {media_type}: decorate its schema "
                    f"class with @schema or @handles"
                )
            self._media_types.add(media_type)
            matching = media_type
        schema_cls = self._mappings.get(matching)
        if schema_cls is not None:
            return PubSubMessageCodec(schema_cls(unknown=EXCLUDE))
        return PubSubMessageCodec(self._conventional_schema(media_type))

    def _conventional_schema(self, media_type: str) -> Any:
        parts = media_type.split(".")
        if self.lifecycle_change.Deleted in parts:
            return IdentityMessageSchema()
        if self.lifecycle_change.Changed in parts:
            return ChangedURIMessageSchema()
        return URIMessageSchema()

    def keys(self) -> set[str]:
        return self._media_types


class SQSMessageHandlerRegistry:
    """
    Maps media types to handlers, and binds the ones a daemon lists among its components.

    Class handlers are built once per registry and reused (the earlier library built one per
    message).

    """

    def __init__(self, graph: Any):
        self.graph = graph
        self._mappings: dict[str, set] = defaultdict(set)
        self._instances: dict[type, Any] = {}
        self._batch_specs: dict[Any, BatchSpec] = {}

    def register(self, media_type: str, handler: Any, batch: Optional[BatchSpec] = None) -> None:
        """Register a handler; with `batch`, it takes lists of messages (see `handles_batch`)."""
        self._mappings[media_type].add(handler)
        if batch is not None:
            self._batch_specs[handler] = batch

    @property
    def has_batch_handlers(self) -> bool:
        return bool(self._batch_specs)

    def batch_spec(self, handler: Any) -> Optional[BatchSpec]:
        """The batch spec of a registered batch handler (or of its class), None for a per-message one."""
        spec = self._batch_specs.get(handler) if _hashable(handler) else None
        return spec if spec is not None or isclass(handler) else self._batch_specs.get(type(handler))

    def iter_handlers(self) -> Iterator[tuple[str, Any]]:
        for media_type, handlers in self._mappings.items():
            for handler in handlers:
                yield media_type, handler

    def keys(self) -> Any:
        return self._mappings.keys()

    def compute_bound_handlers(self, bindings: list[str]) -> dict[str, Any]:
        """Map each media type to its handler among the listed graph components."""
        components = [getattr(self.graph, binding) for binding in bindings]
        component_types = [type(component) for component in components]
        bound: dict[str, Any] = {}
        for media_type, handler in self.iter_handlers():
            if not (_contains(components, handler) or _contains(component_types, handler)):
                continue
            if media_type in bound and bound[media_type] is not handler:
                raise AlreadyRegisteredError(
                    f"media type {media_type} has two bound handlers: "
                    f"{_name(bound[media_type])} and {_name(handler)}; bind only one"
                )
            bound[media_type] = handler
        return bound

    def find(self, media_type: str, bound_handlers: dict[str, Any]) -> Any:
        """The callable handler for a media type (exact, else wildcard); `KeyError` when unbound."""
        handler = bound_handlers.get(media_type)
        if handler is None and media_type:
            handler = bound_handlers.get(wildcard_for(media_type))
        if handler is None:
            handler = bound_handlers.get(CATCH_ALL)
        if handler is None:
            raise HandlerNotFoundError(f"no handler is bound for media type {media_type}")
        if not isclass(handler):
            return handler
        instance = self._instances.get(handler)
        if instance is None:
            instance = self._instances[handler] = handler(self.graph)
        return instance


def _contains(items: list, value: Any) -> bool:
    """Membership by identity first, so unhashable or odd `__eq__` components do not break it."""
    return any(item is value for item in items) or value in items


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _name(handler: Any) -> str:
    return getattr(handler, "__name__", type(handler).__name__)


@defaults(
    # register convention-named media types (created/changed/deleted) on first sight
    auto_register=typed(boolean, default_value=True),
)
def configure_schema_registry(graph: Any) -> PubSubMessageSchemaRegistry:
    return PubSubMessageSchemaRegistry(graph)


def configure_handler_registry(graph: Any) -> SQSMessageHandlerRegistry:
    return SQSMessageHandlerRegistry(graph)
