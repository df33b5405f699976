"""
`call(func)`: run one function in a child scope with renamed or constant arguments.

This lets the same function run several times in one chain on different inputs, e.g.
`call(total).with_args(items="open_items").as_("open_total")`.

"""
from typing import Any, Callable, Optional

from microcosm_pubsub.chain.chain import Chain
from microcosm_pubsub.chain.context import ScopedSafeContext


class LocalCallWrapper:
    """
    Builder and runner of a local call.

    A string argument that names a context key is replaced by that key's value; anything
    else (including any other string) is passed as a constant. The result goes to the outer
    context under the `as_` name; keys the function extracts stay in the discarded scope.

    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.chain = Chain(func)
        self.kwargs: dict[str, Any] = {}
        self.result_name: Optional[str] = None
        self.local_context: Optional[ScopedSafeContext] = None

    def with_args(self, **kwargs: Any) -> "LocalCallWrapper":
        """Map the function's parameter names to context keys or constants."""
        self.kwargs = kwargs
        return self

    def as_(self, result_name: str) -> "LocalCallWrapper":
        """Set the key the result is stored under."""
        self.result_name = result_name
        return self

    def _local_values(self, context: Any) -> dict[str, Any]:
        values = {}
        for local_name, mapped in self.kwargs.items():
            if local_name in context:
                raise ValueError(
                    f"Argument `{local_name}` for local call overshadows existing context key"
                )
            is_key = isinstance(mapped, str) and mapped in context
            values[local_name] = context[mapped] if is_key else mapped
        return values

    def __call__(self, context: Any) -> Any:
        # Kept on the builder for compatibility; a shared builder is therefore not thread-safe.
        self.local_context = ScopedSafeContext(context, **self._local_values(context))
        result = self.chain(self.local_context)
        context[self.result_name] = result
        return result


def call(func: Callable[..., Any]) -> LocalCallWrapper:
    """Start a local call of `func`."""
    return LocalCallWrapper(func)
