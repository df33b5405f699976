"""
Write-once, dictionary-like contexts that links of a chain read from and write to.

Each key may be written once, so one link cannot silently overwrite what another produced.
The key `"context"` always reads as the context itself, which is how a link (or a nested
chain, or a statement) asks for the whole context by naming a parameter `context`.

"""
from collections.abc import Iterator, MutableMapping
from typing import Any

from microcosm_pubsub.chain.exceptions import MissingContextAttribute


CONTEXT = "context"


def _refuse_self_key(key: Any) -> None:
    if key == CONTEXT:
        raise ValueError(f"May not reassign '{CONTEXT}' key")


class SafeContext(MutableMapping):
    """A mapping whose keys can be written once; `assign` is the explicit overwrite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.store = dict(*args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        if key == CONTEXT:
            return self
        return self.store[key]

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails. Underscore names and a half-built object
        # (copy and pickle create one without calling __init__) must not recurse into keys.
        if name.startswith("_") or "store" not in vars(self):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise MissingContextAttribute(name) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        self._check_writable(key)
        self.store[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.store[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.store)

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r})"

    def _check_writable(self, key: Any) -> None:
        _refuse_self_key(key)
        if key in self.store:
            raise ValueError(f"Key '{key}' already set")

    def assign(self, key: Any, value: Any) -> "SafeContext":
        """Write `key` even if it is already set; returns the context so calls can chain."""
        _refuse_self_key(key)
        self.store[key] = value
        return self

    def local(self, *args: Any, **kwargs: Any) -> "ScopedSafeContext":
        """Open a child scope that reads through to this context and writes only to itself."""
        return ScopedSafeContext(self, *args, **kwargs)


class ScopedSafeContext(SafeContext):
    """
    A child scope: reads fall back to the parent, writes stay in the scope.

    Loops and local calls use scopes so each iteration or call can produce the same keys
    again without touching the enclosing context.

    """

    def __init__(self, parent: SafeContext, *args: Any, **kwargs: Any) -> None:
        # `parent` is set before `store` so attribute fallback never sees a half-built scope.
        self.parent = parent
        super().__init__(*args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        if key == CONTEXT:
            return self
        if key in self.store:
            return self.store[key]
        return self.parent[key]

    def _check_writable(self, key: Any) -> None:
        if key in self.parent:
            raise ValueError(f"Key '{key}' already set")
        super()._check_writable(key)

    def __iter__(self) -> Iterator[Any]:
        yield from self.store
        yield from self.parent

    def __len__(self) -> int:
        return len(self.store) + len(self.parent)
