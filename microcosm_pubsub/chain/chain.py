"""
`Chain`: run links in order over one shared context.

Each link is decorated against the context at the moment its turn comes (§3 of CHAIN.md),
so a link that cannot be introspected fails only when it is reached, after the earlier
links have run.

"""
from typing import Any, Callable, Optional

from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.context_decorators import (
    DEFAULT_ASSIGNED,
    get_from_context,
    save_to_context,
    save_to_context_by_func_name,
    temporarily_replace_context_keys,
)


class Chain:
    """A sequence of links; calling it runs them and returns the last link's result."""

    def __init__(self, *links: Any) -> None:
        self.links = list(links)

    def __len__(self) -> int:
        return len(self.links)

    @property
    def context_decorators(self) -> list[Callable[..., Any]]:
        """The wrappers applied to each link, innermost first."""
        return [
            get_from_context,
            temporarily_replace_context_keys,
            save_to_context,
            save_to_context_by_func_name,
        ]

    @property
    def context_decorators_assigned(self) -> tuple[str, ...]:
        """The marker attributes every wrapper copies from what it wraps."""
        return DEFAULT_ASSIGNED

    @property
    def new_context_type(self) -> type:
        """The context created when a run is given none."""
        return SafeContext

    def apply_decorators(self, context: Any, link: Any) -> Callable[[], Any]:
        """Wrap `link` with every context decorator and return the outermost wrapper."""
        for decorator in self.context_decorators:
            link = decorator(context, link, self.context_decorators_assigned)
        return link

    def __call__(self, context: Optional[Any] = None, **kwargs: Any) -> Any:
        # Only None creates a context: an empty one passed in is shared, so that a nested
        # chain's writes reach its parent (the earlier library dropped them).
        if context is None:
            context = self.new_context_type()
        context.update(kwargs)
        result = None
        for link in self.links:
            result = self.apply_decorators(context, link)()
        return result

    @classmethod
    def make(cls, *args: Any, chain: Any = None, links: Any = None, **ignored: Any) -> Any:
        """Build a statement's sub-chain from `chain` (used as is), `links` or `*args`."""
        if chain is not None:
            return chain
        if links is not None:
            return cls(*links)
        if args:
            return cls(*args)
        raise ValueError("Must define one of 'chain', 'links', or '*args'")
