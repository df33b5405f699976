"""
Assignment statements: put a value into the context under a new key.

`assign("a.b").to("c")`, `assign_constant(v).to("c")`, `assign_function(f).to("c")` and
`extract("c", "a", "b")` differ only in where the value comes from.

"""
from inspect import Parameter, signature
from typing import Any, Callable, Optional

from microcosm_pubsub.chain.exceptions import AttributeNotFound


_POSITIONAL_KINDS = (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD)


class Reference:
    """
    A dotted path: the first part is a context key, later parts are attributes or items.

    An attribute wins over an item of the same name (so `"message.items"` is the dict
    method), which keeps paths like `"value.__class__"` working.

    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.root, *self.parts = path.split(".")

    def __call__(self, context: Any) -> Any:
        value = context[self.root]
        for part in self.parts:
            if hasattr(value, part):
                value = getattr(value, part)
                continue
            try:
                value = value[part]
            except KeyError:
                raise AttributeNotFound(self.root, part) from None
        return value


class Constant:
    """A value that ignores the context; the same object is returned on every run."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, context: Any) -> Any:
        return self.value


def _named_positional_parameters(func: Callable[..., Any]) -> list[str]:
    # Bound `self`/`cls` is left out; `__wrapped__` is not followed, as in the earlier library.
    try:
        parameters = signature(func, follow_wrapped=False).parameters.values()
    except (TypeError, ValueError):
        return []
    return [parameter.name for parameter in parameters if parameter.kind in _POSITIONAL_KINDS]


class Function:
    """A callable given the whole context when it takes a positional parameter, else nothing."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.args = _named_positional_parameters(func)

    def __call__(self, context: Any) -> Any:
        if self.args:
            return self.func(context)
        return self.func()


class AssignStatement:
    """Compute a value from the context and write it under `name` (write-once rules apply)."""

    def __init__(self, this: Callable[[Any], Any], that: Optional[str] = None) -> None:
        self.this = this
        self.that = that

    def to(self, that: str) -> "AssignStatement":
        """Set the key the value is stored under."""
        self.that = that
        return self

    @property
    def name(self) -> Optional[str]:
        """The target key."""
        return self.that

    def __call__(self, context: Any) -> Any:
        value = self.this(context)
        context[self.name] = value
        return value

    def __str__(self) -> str:
        return f"assign_{self.name}"


def assign(path: str) -> AssignStatement:
    """Assign the value found at a dotted context path."""
    return AssignStatement(Reference(path))


def assign_constant(value: Any) -> AssignStatement:
    """Assign a fixed value."""
    return AssignStatement(Constant(value))


def assign_function(func: Callable[..., Any]) -> AssignStatement:
    """Assign what `func` returns (called with the context if it takes a parameter)."""
    return AssignStatement(Function(func))


def extract(name: str, key: str, key_property: Optional[str] = None) -> AssignStatement:
    """Store `key` (or `key.key_property`) as `name`; note the new key comes first."""
    path = f"{key}.{key_property}" if key_property else key
    return AssignStatement(Reference(path), name)
