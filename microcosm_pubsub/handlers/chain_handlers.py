"""
Message handlers whose work is a chain.

`ChainHandler` runs its chain on a context holding the decoded `message`; the chain's
result decides the outcome (truthy: succeeded, falsy: skipped). `ChainURIHandler` first
fetches the resource the message points to (see `URIHandler`) and runs its chain with
`message`, `uri` and the resource; it succeeds unless the chain raises.

"""
from abc import ABCMeta, abstractmethod
from typing import Any

from microcosm_pubsub.chain.chain import Chain
from microcosm_pubsub.handlers.uri_handler import URIHandler


class ChainHandler(metaclass=ABCMeta):
    """A handler that runs `get_chain()` on each message."""

    @abstractmethod
    def get_chain(self) -> Any:
        """Return the chain (or a statement, or a function of context keys) to run."""

    def __call__(self, message: dict) -> Any:
        # get_chain is asked on every message, so it may depend on the handler's state.
        return Chain(self.get_chain())(message=message)


class ChainURIHandler(URIHandler, metaclass=ABCMeta):
    """A URI handler whose `handle` runs `get_chain()` with the message, URI and resource."""

    @property
    def resource_name(self) -> str:
        """The context key the fetched resource is stored under."""
        return "resource"

    @abstractmethod
    def get_chain(self) -> Any:
        """Return the chain to run; it is called with `message`, `uri` and the resource."""

    def handle(self, message: dict, uri: str, resource: Any) -> bool:
        """Run the chain and report success; the chain's own result is ignored."""
        kwargs = dict(message=message, uri=uri)
        kwargs[self.resource_name] = resource
        self.get_chain()(**kwargs)
        return True
