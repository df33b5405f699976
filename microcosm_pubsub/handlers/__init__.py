"""
Base classes for message handlers: `URIHandler`, `ChainHandler`, `ChainURIHandler` and the
`PublishBatchMessage` handler of deferred batches.

Why the names load lazily: importing `microcosm_pubsub.handlers.uri_handler` (as suites that patch
its `get` do) runs this file first, and it should not pull in the chain DSL or the producer.
`from microcosm_pubsub.handlers import URIHandler` works as before.

"""
from importlib import import_module
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from microcosm_pubsub.handlers.chain_handlers import ChainHandler, ChainURIHandler
    from microcosm_pubsub.handlers.publish_batch_message import PublishBatchMessage
    from microcosm_pubsub.handlers.uri_handler import URIHandler


_MODULE_OF = {
    "ChainHandler": "chain_handlers",
    "ChainURIHandler": "chain_handlers",
    "PublishBatchMessage": "publish_batch_message",
    "URIHandler": "uri_handler",
}

__all__ = ["ChainHandler", "ChainURIHandler", "PublishBatchMessage", "URIHandler"]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the lazily exported names with the module's own."""
    return sorted(set(globals()) | set(__all__))
