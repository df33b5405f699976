"""
Async handlers outside the engine's event loop: tell them apart, and run them to completion.

Why this exists: a handler that is an `async def` returns a coroutine, and a coroutine object is
truthy. A sync caller that took that return value as the handler's verdict would delete the
message without the handler ever running. Every sync path that calls a handler (the drop-in
`dispatcher.handle_message`/`handle_batch`, Lambda, a thread worker handed a function that returns
an awaitable) therefore runs the awaitable to completion here, on an event loop private to the
calling thread, and classifies what it returned or raised. The consume engine does not come here
for async handlers: it routes them to its own loop (`engine/async_workers.py`).

"""
from asyncio import Runner, get_running_loop
from inspect import isawaitable as _isawaitable, isclass, iscoroutinefunction
from threading import local
from typing import Any, Optional

from microcosm_pubsub.errors import PubSubError


class AwaitedInRunningLoopError(PubSubError, RuntimeError):
    """An awaitable handler result met a sync caller that is itself running inside an event loop."""


_runners = local()
# what handlers usually return: never awaitable, so `isawaitable` skips its ABC checks for them
_PLAIN_TYPES = frozenset((bool, int, float, str, bytes, dict, list, tuple, type(None)))


def isawaitable(value: Any) -> bool:
    """`inspect.isawaitable`, answered at once for the plain values handlers usually return."""
    return type(value) not in _PLAIN_TYPES and _isawaitable(value)


def is_async_handler(handler: Any, media_type: Optional[str] = None) -> bool:
    """
    Whether calling `handler` returns an awaitable: an `async def` function or method, a class or
    instance whose `__call__` is `async def`, or an adapter that says so (`is_async`, or
    `is_async_for(media_type)` when it depends on the media type, as a service's methods do).

    """
    per_media_type = getattr(handler, "is_async_for", None)
    if callable(per_media_type):
        return bool(per_media_type(media_type))
    declared = getattr(handler, "is_async", None)
    if isinstance(declared, bool):
        return declared
    if iscoroutinefunction(handler):
        return True
    call = getattr(handler if isclass(handler) else type(handler), "__call__", None)
    return iscoroutinefunction(call)


def in_running_loop() -> bool:
    """Whether this thread is running an event loop (a sync call here must not block on an awaitable)."""
    try:
        get_running_loop()
    except RuntimeError:
        return False
    return True


def run_to_completion(awaitable: Any) -> Any:
    """
    Await `awaitable` on this thread's private event loop and return its result (or raise).

    Inside a running event loop this cannot block without deadlocking that loop: the awaitable is
    closed unrun and `AwaitedInRunningLoopError` says what to do instead.

    """
    if in_running_loop():
        close(awaitable)
        raise AwaitedInRunningLoopError(
            "a handler returned an awaitable to a sync dispatch path running inside an event loop: "
            "await dispatcher.process_message_async(...) there, or run the handler in the consume engine"
        )
    runner = getattr(_runners, "runner", None)
    if runner is None:
        runner = _runners.runner = Runner()
    return runner.run(_awaited(awaitable))


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def close(awaitable: Any) -> None:
    """Close a coroutine that will never run, so Python does not warn that it was never awaited."""
    closer = getattr(awaitable, "close", None)
    if callable(closer):
        closer()


__all__ = ["AwaitedInRunningLoopError", "is_async_handler", "isawaitable", "run_to_completion"]
