"""
The opaque context of one message, set up as `opaque.initialize(sqs_message_context, message)` does.

Why not `initialize` itself: it runs once per handled message, and its generic path (a deep copy of
the graph's base context, then one case-folding `__setitem__` per key, inside a generator context
manager) was a large part of the dispatcher's cost. For microcosm's own `Opaque` the store is set
directly to the same dict: a copy of the base (no copy needed when it is empty) updated with the
message's keys, case-folded in one update; anything else goes through `initialize`.

"""
from contextvars import ContextVar
from copy import deepcopy
from typing import Any, Callable, Optional

from microcosm.opaque import NormalizedDict, Opaque


def message_context(opaque: Any, make_context: Callable[[Any], dict], message: Any) -> Any:
    """A context manager holding `message`'s context in `opaque` while it is handled."""
    store = _store_of(opaque)
    if store is None:
        return opaque.initialize(make_context, message)
    return StoreContext(store, make_context(message))


def _store_of(opaque: Any) -> Optional[ContextVar]:
    """The context variable behind microcosm's own `Opaque`; None for any other opaque."""
    store = getattr(opaque, "_store", None) if type(opaque) is Opaque else None
    return store if isinstance(store, ContextVar) else None


class StoreContext:
    """Sets an opaque store to a fresh context for one message, and puts the previous one back."""

    __slots__ = ("store", "values", "token")

    def __init__(self, store: ContextVar, values: dict):
        self.store, self.values = store, values

    def __enter__(self) -> None:
        base = self.store.get()
        # an empty NormalizedDict without its __init__ (a loop over no keys); its own update folds
        # the case of each key in one call per key: the same keys are set here directly
        fresh = deepcopy(base) if base else dict.__new__(NormalizedDict)
        for key, value in self.values.items():
            dict.__setitem__(fresh, key.casefold() if isinstance(key, str) else key, value)
        self.token = self.store.set(fresh)

    def __exit__(self, *exc_info: Any) -> None:
        self.store.reset(self.token)


def current_context(opaque: Any) -> Any:
    """
    The mapping behind `opaque` for the message being handled, to read and write keys through.

    For microcosm's `Opaque` that is its current store (the same dict its item access reaches
    through three more calls); any other opaque is used as it is.
    """
    store = _store_of(opaque)
    return opaque if store is None else store.get()
