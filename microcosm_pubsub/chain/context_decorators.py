"""
Wrappers that connect one link to the context: fill its parameters from context keys,
apply its `binds` renames, and store its result according to `extracts` or its name.

Each decorator takes `(context, func, assigned)`, accepts any mapping as the context (tests
use plain dicts) and returns `func` itself when it has nothing to do. Wrappers copy the
usual function metadata plus the `assigned` marker attributes, and set `__wrapped__` so
that signature introspection through a wrapper still sees the original parameters.

"""
from collections.abc import Mapping, MutableMapping
from functools import WRAPPER_ASSIGNMENTS, update_wrapper
from inspect import Parameter, signature
from typing import Any, Callable, Sequence

from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.decorators import BINDS, EXTRACTS
from microcosm_pubsub.chain.exceptions import ContextKeyNotFound


DEFAULT_ASSIGNED = (EXTRACTS, BINDS)
EXTRACT_PREFIX = "extract_"

_POSITIONAL_KINDS = (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD)

Func = Callable[..., Any]


def _wrap(wrapper: Func, func: Func, assigned: Sequence[str]) -> Func:
    return update_wrapper(wrapper, func, assigned=WRAPPER_ASSIGNMENTS + tuple(assigned))


def _positional_parameters(func: Func) -> list[Parameter]:
    return [
        parameter
        for parameter in signature(func).parameters.values()
        if parameter.kind in _POSITIONAL_KINDS
    ]


def get_positional_args(func: Func) -> list[tuple[str, Any]]:
    """List `(name, default)` for the parameters of `func` that can be passed by position."""
    return [(parameter.name, parameter.default) for parameter in _positional_parameters(func)]


def _resolve(context: Mapping, parameter: Parameter, func: Func) -> Any:
    try:
        if parameter.default is Parameter.empty:
            return context[parameter.name]
        return context.get(parameter.name, parameter.default)
    except KeyError as error:
        raise ContextKeyNotFound(error, func) from error


def get_from_context(context: Mapping, func: Func, assigned: Sequence[str] = DEFAULT_ASSIGNED) -> Func:
    """
    Fill the positional parameters of `func` that the caller left out from context keys.

    The mapping is by parameter name. A parameter with a default takes the context value
    when the key is present. Positional-only parameters are passed by position.

    """
    parameters = _positional_parameters(func)

    def call_with_context_values(*args: Any, **kwargs: Any) -> Any:
        positional, named = [], {}
        for parameter in parameters[len(args):]:
            by_position = parameter.kind is Parameter.POSITIONAL_ONLY
            if parameter.name in kwargs and not by_position:
                continue
            value = _resolve(context, parameter, func)
            if by_position:
                positional.append(value)
            else:
                named[parameter.name] = value
        return func(*args, *positional, **kwargs, **named)

    return _wrap(call_with_context_values, func, assigned)


def _check_renames(context: Mapping, renames: Mapping[str, str]) -> None:
    for old, new in renames.items():
        if old not in context:
            raise KeyError(f"Variable '{old}' not set")
        if new in context:
            raise ValueError(f"Variable '{new}' already set")


def _move(context: MutableMapping, old: str, new: str) -> bool:
    """Expose the value of `old` as `new`; False when `old` lives in a parent scope and stays."""
    value = context[old]
    try:
        del context[old]
        removed = True
    except KeyError:
        removed = False
    context[new] = value
    return removed


def _move_back(context: MutableMapping, old: str, new: str, removed: bool) -> None:
    value = context.pop(new)
    if not removed:
        return
    if isinstance(context, SafeContext):
        # A scope may hold `old` as a shadow of a parent key; putting it back is no new write.
        context.assign(old, value)
    else:
        context[old] = value


def temporarily_replace_context_keys(
    context: MutableMapping,
    func: Func,
    assigned: Sequence[str] = DEFAULT_ASSIGNED,
) -> Func:
    """Apply the `binds` renames of `func` while it runs and always undo them afterwards."""
    renames = getattr(func, BINDS, None)
    if not renames:
        return func

    def call_with_renamed_keys(*args: Any, **kwargs: Any) -> Any:
        _check_renames(context, renames)
        moved = []
        try:
            for old, new in renames.items():
                moved.append((old, new, _move(context, old, new)))
            return func(*args, **kwargs)
        finally:
            for old, new, removed in reversed(moved):
                _move_back(context, old, new, removed)

    return _wrap(call_with_renamed_keys, func, assigned)


def save_to_context(
    context: MutableMapping,
    func: Func,
    assigned: Sequence[str] = DEFAULT_ASSIGNED,
) -> Func:
    """
    Store the result of `func` under its `extracts` names.

    With one name the whole value is stored and, as in the earlier library, the wrapper
    returns `[value]`. With several names item `i` goes to name `i` and the value is returned
    unchanged.

    """
    names = getattr(func, EXTRACTS, None)
    if not names:
        return func

    def call_and_store(*args: Any, **kwargs: Any) -> Any:
        value = func(*args, **kwargs)
        if len(names) == 1:
            context[names[0]] = value
            return [value]
        for index, name in enumerate(names):
            context[name] = value[index]
        return value

    return _wrap(call_and_store, func, assigned)


def save_to_context_by_func_name(
    context: MutableMapping,
    func: Func,
    assigned: Sequence[str] = DEFAULT_ASSIGNED,
) -> Func:
    """Store the result of an unmarked function named `extract_<key>` under `<key>`."""
    name = getattr(func, "__name__", None)
    if hasattr(func, EXTRACTS) or not isinstance(name, str) or not name.startswith(EXTRACT_PREFIX):
        return func
    key = name[len(EXTRACT_PREFIX):]

    def call_and_store_by_name(*args: Any, **kwargs: Any) -> Any:
        value = func(*args, **kwargs)
        context[key] = value
        return value

    return _wrap(call_and_store_by_name, func, assigned)
