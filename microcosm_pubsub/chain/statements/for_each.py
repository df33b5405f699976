"""
`for_each(key)`: run a body once per item, each time in a fresh child scope.

Each iteration sees the item under `key` and may write keys freely; those writes vanish
with the scope. Only the collected results reach the enclosing context, under the list
key (`<key>_list` unless `as_` says otherwise).

"""
from typing import Any, Callable, Optional

from microcosm_pubsub.chain.chain import Chain


def yes(value: Any) -> bool:
    """Keep every result (the default filter)."""
    return True


def not_none(value: Any) -> bool:
    """Keep results that are not None."""
    return value is not None


class ForEachStatement:
    """A loop over the iterable at context key `items_key`, collecting the body's results."""

    def __init__(self, key: str, list_key: Optional[str] = None) -> None:
        self.key = key
        self.list_key = f"{key}_list" if list_key is None else list_key
        self.items_key: Optional[str] = None
        self.chain: Any = None
        self.predicate: Optional[Callable[[Any], Any]] = yes

    def in_(self, items_key: str) -> "ForEachStatement":
        """Set the context key holding the items."""
        self.items_key = items_key
        return self

    def do(self, *args: Any, **kwargs: Any) -> "ForEachStatement":
        """Set the body run for each item."""
        self.chain = Chain.make(*args, **kwargs)
        return self

    def as_(self, list_key: str) -> "ForEachStatement":
        """Set the key the collected results are stored under."""
        self.list_key = list_key
        return self

    def when(self, predicate: Optional[Callable[[Any], Any]]) -> "ForEachStatement":
        """Keep only results for which `predicate` is truthy (None: truthy results)."""
        self.predicate = predicate
        return self

    def when_not_none(self) -> "ForEachStatement":
        """Drop results that are None."""
        return self.when(not_none)

    def __call__(self, context: Any) -> list[Any]:
        results = [
            self.chain(context.local(**{self.key: item}))
            for item in context[self.items_key]
        ]
        kept = list(filter(self.predicate, results))
        context[self.list_key] = kept
        return kept

    def __str__(self) -> str:
        return f"for_{self.key}"


def for_each(key: str) -> ForEachStatement:
    """Start a loop whose items are exposed as `key`."""
    return ForEachStatement(key)
