"""`try_chain(...)`: run a body and hand exceptions to handlers registered by exact type."""
from typing import Any

from microcosm_pubsub.chain.chain import Chain
from microcosm_pubsub.chain.statements.switch import SwitchStatement


class TryChainStatement(SwitchStatement):
    """
    Exception handling as a switch on the exception's type.

    Handlers match `type(error)` exactly (a handler for `LookupError` does not catch
    `KeyError`), as in the earlier library. Without a handler the exception propagates.
    `otherwise` runs only after the body succeeded, and its result replaces the body's.

    """

    def __init__(self, *args: Any, chain: Any = None, links: Any = None) -> None:
        super().__init__(key=None)
        self.body = Chain.make(*args, chain=chain, links=links)

    def catch(self, exc_type: type, *args: Any, **kwargs: Any) -> Any:
        """Register a handler for `exc_type`, or return a `CaseStatement` when none is given."""
        return self.case(exc_type, *args, **kwargs)

    def __call__(self, context: Any) -> Any:
        try:
            result = self.body(context)
        except Exception as error:
            handler = self.branch_for(type(error))
            if not handler:
                raise
            return handler(context)
        return self.otherwise_branch(context) if self.otherwise_branch else result

    def __str__(self) -> str:
        return f"switch_{self.body!r}"


def try_chain(*args: Any, chain: Any = None, links: Any = None) -> TryChainStatement:
    """Start a try-chain around the given body."""
    return TryChainStatement(*args, chain=chain, links=links)
