"""`when(key)`: if/else on the truthiness of a context key."""
from typing import Any

from microcosm_pubsub.chain.chain import Chain


class WhenStatement:
    """Run `then` for a truthy value and `otherwise` for a falsy one; a missing branch gives None."""

    def __init__(self, key: Any) -> None:
        self.key = key
        self.then_branch: Any = None
        self.otherwise_branch: Any = None

    def then(self, *args: Any, **kwargs: Any) -> "WhenStatement":
        """Set the branch for a truthy value."""
        self.then_branch = Chain.make(*args, **kwargs)
        return self

    def otherwise(self, *args: Any, **kwargs: Any) -> "WhenStatement":
        """Set the branch for a falsy value."""
        self.otherwise_branch = Chain.make(*args, **kwargs)
        return self

    def __call__(self, context: Any) -> Any:
        branch = self.then_branch if context[self.key] else self.otherwise_branch
        return branch(context) if branch else None

    def __str__(self) -> str:
        return f"when_{self.key}"


def when(key: str) -> WhenStatement:
    """Branch on whether context key `key` is truthy."""
    return WhenStatement(key)
