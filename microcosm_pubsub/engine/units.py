"""
One unit of work through the dispatcher: a message, or a batch for a batch handler.

On a worker thread a unit runs as the dispatcher's sync path does. On the event loop an async
handler is awaited; anything that would block the loop (a sync handler, an S3 payload download
or delete) runs in the loop's thread executor instead.

"""
from asyncio import to_thread
from typing import Any, Callable

from microcosm_pubsub.engine.batching import BatchDispatch
from microcosm_pubsub.engine.routing import Router
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.offload.consuming import discard_payload, offloaded_payload, resolve_payload_for_handling
from microcosm_pubsub.result import MessageHandlingResult


Outcomes = list[tuple[SQSMessage, MessageHandlingResult]]


class UnitRunner:
    """Runs units on a thread (`run`) or on the event loop (`run_async`)."""

    def __init__(self, dispatcher: Any, bound_handlers: dict[str, Any], router: Router,
                 handle: Callable[[SQSMessage], MessageHandlingResult], fifo: bool = False):
        self.dispatcher = dispatcher
        self.bound_handlers = bound_handlers
        self.router = router
        self.handle = handle
        self.batches = BatchDispatch(dispatcher, bound_handlers, fifo=fifo)

    def run(self, unit: list[SQSMessage]) -> Outcomes:
        route = self.router.route(unit[0])
        if route.batch is None and offloaded_payload(unit[0]) is not None:
            # a large message's media type is known only once its payload is downloaded: one of a
            # batch handler's type is handed to it as a batch of one, never to it as if per-message
            resolve_payload_for_handling(unit[0])
            route = self.router.route(unit[0])
        if route.batch is None:
            return [(unit[0], self.handle(unit[0]))]
        for message in unit:
            resolve_payload_for_handling(message)
        results = self.batches.process(unit)
        discard_handled(unit, results)
        return list(zip(unit, results))

    async def run_async(self, unit: list[SQSMessage]) -> Outcomes:
        route = self.router.route(unit[0])
        if not route.is_async:
            return await to_thread(self.run, unit)
        offloaded = [message for message in unit if offloaded_payload(message) is not None]
        if offloaded:
            await to_thread(lambda: [resolve_payload_for_handling(message) for message in offloaded])
        if route.batch is None:
            results = [await self.dispatcher.process_message_async(unit[0], self.bound_handlers)]
        else:
            results = await self.batches.process_async(unit)
        if offloaded:
            await to_thread(discard_handled, unit, results)
        return list(zip(unit, results))


def handle_with_payload(dispatcher: Any, bound_handlers: dict[str, Any], message: SQSMessage) -> MessageHandlingResult:
    """On a worker: download a large message's payload, run its handler, drop the payload once done."""
    resolve_payload_for_handling(message)
    result = dispatcher.process_message(message, bound_handlers)
    if not result.result.retry:
        discard_payload(message)
    return result


def discard_handled(unit: list[SQSMessage], results: list[MessageHandlingResult]) -> None:
    """Drop the S3 payloads of messages that will be deleted (with `large_payload_delete`)."""
    for message, result in zip(unit, results):
        if not result.result.retry:
            discard_payload(message)
