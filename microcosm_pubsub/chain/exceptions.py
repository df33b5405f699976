"""
Errors raised while running a chain.

`AttributeNotFound` and `ContextKeyNotFound` derive directly from `Exception`, as in the
earlier library, so an `except KeyError` around a chain does not swallow them.

"""
from typing import Any, Callable


class AttributeNotFound(Exception):
    """An `assign`/`extract` path named a part that is neither an attribute nor an item."""

    def __init__(self, parent: Any, attribute: str) -> None:
        super().__init__(f"Failed to find attribute `{attribute}` on `{parent}`")
        self.parent = parent
        self.attribute = attribute


class ContextKeyNotFound(Exception):
    """A link needs a parameter that no context key (and no default) provides."""

    def __init__(self, key_error: KeyError, func: Callable[..., Any]) -> None:
        key = key_error.args[0] if key_error.args else None
        super().__init__(f"Failed to find context key `{key}` during evaluation of `{func}`")
        self.key = key
        self.func = func


class MissingContextAttribute(KeyError, AttributeError):
    """
    Attribute access to a context key that is not set.

    It stays a `KeyError` for code written against the earlier library, and is also an
    `AttributeError` so that `hasattr`, `getattr(ctx, name, default)` and friends behave.

    """
