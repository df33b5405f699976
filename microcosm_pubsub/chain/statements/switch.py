"""`switch(key)`: run the branch of the first case equal to the key's value."""
from typing import Any

from microcosm_pubsub.chain.chain import Chain
from microcosm_pubsub.chain.statements.case import CaseStatement


class SwitchStatement:
    """
    A multi-way branch.

    Cases are compared with `==` in registration order rather than looked up in a dict,
    so unhashable case values work and the first duplicate wins.

    """

    def __init__(self, key: Any) -> None:
        self.key = key
        self.cases: list[tuple[Any, Any]] = []
        self.otherwise_branch: Any = None

    def add_case(self, value: Any, branch: Any) -> "SwitchStatement":
        """Register `branch` for `value`."""
        self.cases.append((value, branch))
        return self

    def case(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        """Register a branch for `value`, or return a `CaseStatement` when none is given."""
        pending = CaseStatement(self, value)
        if args or kwargs:
            return pending.then(*args, **kwargs)
        return pending

    def otherwise(self, *args: Any, **kwargs: Any) -> "SwitchStatement":
        """Set the branch used when no case matches."""
        self.otherwise_branch = Chain.make(*args, **kwargs)
        return self

    def branch_for(self, value: Any, default: Any = None) -> Any:
        """The branch of the first case equal to `value`, or `default` without a match."""
        return next((branch for case, branch in self.cases if case == value), default)

    def __call__(self, context: Any) -> Any:
        # A matching case with an empty branch does not fall through to `otherwise`.
        branch = self.branch_for(context[self.key], self.otherwise_branch)
        return branch(context) if branch else None

    def __str__(self) -> str:
        return f"switch_{self.key}"


def switch(key: str) -> SwitchStatement:
    """Branch on the value of context key `key`."""
    return SwitchStatement(key)
