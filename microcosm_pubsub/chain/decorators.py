"""
Markers that tell a chain where a link's result goes (`extracts`) and how to rename context
keys around it (`binds`).

The markers are plain attributes, so they are read through classes, instances and bound
methods alike. Marking changes nothing about how the target behaves outside a chain.

"""
from functools import wraps
from inspect import ismethod
from typing import Any, Callable, TypeVar


EXTRACTS = "_extracts"
BINDS = "_binds"

Target = TypeVar("Target")


def to_function(obj: Any) -> Any:
    """
    Return something that can carry marker attributes.

    Bound methods refuse new attributes, so they are wrapped in a plain function that keeps
    their metadata (including markers already set on the underlying function). Anything
    else is returned as is and will be marked in place.

    """
    if not ismethod(obj):
        return obj

    @wraps(obj)
    def call_method(*args: Any, **kwargs: Any) -> Any:
        return obj(*args, **kwargs)

    return call_method


def _marker(attribute: str, value: Any) -> Callable[[Target], Target]:
    def mark(target: Target) -> Target:
        target = to_function(target)
        setattr(target, attribute, value)
        return target

    return mark


def extracts(*names: str) -> Callable[[Target], Target]:
    """Store the link's result under `names` (one name: the value; several: its items)."""
    return _marker(EXTRACTS, names)


def binds(**renames: str) -> Callable[[Target], Target]:
    """Expose context key `old` as `new` while the link runs (`binds(old="new")`)."""
    return _marker(BINDS, renames)
