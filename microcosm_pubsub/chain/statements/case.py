"""`CaseStatement`: a pending `switch` case or `try_chain` handler waiting for its `then`."""
from typing import Any

from microcosm_pubsub.chain.chain import Chain


class CaseStatement:
    """
    Holds the case value until `then(...)` supplies the branch.

    A case left without `then` registers nothing and is not callable, so using it as a
    link by mistake fails with `TypeError` when the chain reaches it.

    """

    def __init__(self, statement: Any, value: Any) -> None:
        self.statement = statement
        self.value = value

    def then(self, *args: Any, **kwargs: Any) -> Any:
        """Register the branch and return the switch (or try-chain) to continue building."""
        self.statement.add_case(self.value, Chain.make(*args, **kwargs))
        return self.statement
