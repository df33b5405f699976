"""
Which lane runs a message's handler, and whether it joins a batch.

Decided once per media type from the bound handler: an async handler (`async def`, an async
`__call__`, an async callback) runs on the event loop, a sync one on a worker thread, a batch
handler (`@handles_batch`) in batches of its spec. The engine starts only the lanes its bound
handlers need, so an all-async daemon at concurrency 500 starts no worker threads; a message no
lane was started for (e.g. a sync handler found only through a catch-all) runs on the other lane,
a sync handler then in a thread of the loop's executor, so it never blocks the loop.

"""
from typing import Any, Optional

from microcosm_pubsub.awaitables import is_async_handler
from microcosm_pubsub.engine.work import LOOP, THREADS, Route
from microcosm_pubsub.message import SQSMessage


MAX_CACHED_MEDIA_TYPES = 1024


class Router:
    """Routes messages by media type, with the lanes the bound handlers need."""

    def __init__(self, registry: Any, bound_handlers: dict[str, Any]):
        self.registry = registry
        self.bound_handlers = bound_handlers
        self._routes: dict[Optional[str], Route] = {}
        natures = {self._is_async(key) for key in bound_handlers} or {False}
        self.lanes = frozenset(LOOP if is_async else THREADS for is_async in natures)
        self.default = Route(lane=THREADS if THREADS in self.lanes else LOOP)
        self.batch_sizes = {lane: 1 for lane in self.lanes}
        for key in bound_handlers:
            route = self.route_for(key)
            if route.batch is not None:
                self.batch_sizes[route.lane] = max(self.batch_sizes[route.lane], route.batch.max_size)

    def route(self, message: SQSMessage) -> Route:
        media_type = message.media_type
        route = self._routes.get(media_type)
        if route is None:
            if len(self._routes) >= MAX_CACHED_MEDIA_TYPES:
                self._routes.clear()
            route = self._routes[media_type] = self.route_for(media_type)
        return route

    def route_for(self, media_type: Optional[str]) -> Route:
        handler = self._handler(media_type)
        if handler is None:
            return self.default
        is_async = is_async_handler(handler, media_type)
        lane = LOOP if is_async else THREADS
        if lane not in self.lanes:
            lane = self.default.lane
        spec = self.registry.batch_spec(handler)
        return Route(lane=lane, batch=spec, media_type=media_type if spec else None, is_async=is_async)

    def _is_async(self, key: str) -> bool:
        handler = self._handler(key)
        return handler is not None and is_async_handler(handler, key)

    def _handler(self, media_type: Optional[str]) -> Any:
        try:
            return self.registry.find(media_type, self.bound_handlers)
        except KeyError:
            return None
