"""
Batch handlers (`@handles_batch`): one call for a list of messages, one result per message.

Each message is checked on its own first, inside its own request context (TTL, attempts,
content), exactly as for a per-message handler; those that fail the checks get their own result
and never reach the handler. The rest go to the handler in one call:

- a normal return settles every message as SUCCEEDED;
- `BatchFailures({message_id: exception_or_outcome})` settles each named message by its outcome
  (`Nack(30)` retries it after 30 s, `SkipMessage` deletes it, any other exception is FAILED and
  retried by the backoff policy) and the rest as SUCCEEDED;
- any other exception fails every message (each retried by the backoff policy).

On a FIFO queue, a message that follows a retried message of its own group in the same batch is
retried too (at once), even if the handler reported it done: SQS then redelivers the group in
order (this is what Lambda asks of FIFO batch handlers).

Every result is logged and reported under its own message's context, as per-message results are.

"""
from time import perf_counter, time
from typing import Any, Optional

from microcosm_pubsub.awaitables import isawaitable, run_to_completion
from microcosm_pubsub.errors import BatchFailures, Nack
from microcosm_pubsub.log_safety import render
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResult, MessageHandlingResultType


HELD_BACK = "held back: an earlier message of its FIFO group in the same batch is retried"


class BatchDispatch:
    """Runs batches through the dispatcher's checks, the batch handler, and per-message recording."""

    def __init__(self, dispatcher: Any, bound_handlers: dict[str, Any], fifo: bool = False):
        self.dispatcher = dispatcher
        self.bound_handlers = bound_handlers
        self.fifo = fifo

    def process(self, messages: list[SQSMessage]) -> list[MessageHandlingResult]:
        """Handle a batch on this thread (an async batch handler is awaited to completion)."""
        handler, ready, results, clock = self.prepare(messages)
        if ready:
            try:
                outcome = handler(ready)
                if isawaitable(outcome):
                    run_to_completion(outcome)
            except Exception as error:
                return self.settled(messages, ready, results, handler, clock, error)
        return self.settled(messages, ready, results, handler, clock)

    async def process_async(self, messages: list[SQSMessage]) -> list[MessageHandlingResult]:
        """Handle a batch on the event loop (cancellation propagates to the caller)."""
        handler, ready, results, clock = self.prepare(messages)
        if ready:
            try:
                outcome = handler(ready)
                if isawaitable(outcome):
                    await outcome
            except Exception as error:
                return self.settled(messages, ready, results, handler, clock, error)
        return self.settled(messages, ready, results, handler, clock)

    def settled(self, messages: list[SQSMessage], ready: list[SQSMessage], results: dict, handler: Any,
                clock: tuple[float, float], error: Optional[Exception] = None) -> list[MessageHandlingResult]:
        """Every message's result: the early ones, then the handler's (from what it raised, if anything)."""
        if ready:
            results.update(self.classify(ready, error))
        return self.finish(messages, results, handler, clock)

    def prepare(self, messages: list[SQSMessage]) -> tuple[Any, list[SQSMessage], dict, tuple[float, float]]:
        """Check each message in its own context; return the handler, the messages for it, early results."""
        dispatcher = self.dispatcher
        results: dict[int, MessageHandlingResult] = {}
        ready = []
        for message in messages:
            with dispatcher.message_context(message):
                try:
                    dispatcher.validate_message(message)
                    dispatcher.find_handler(message, self.bound_handlers)
                except Exception as error:
                    results[id(message)] = MessageHandlingResult.from_error(message, error)
                    continue
            ready.append(message)
        handler = dispatcher.sqs_message_handler_registry.find(ready[0].media_type, self.bound_handlers) \
            if ready else None
        return handler, ready, results, (time(), perf_counter())

    def classify(self, ready: list[SQSMessage], error: Optional[Exception]) -> dict[int, MessageHandlingResult]:
        """One result per message the handler saw, from what the call returned or raised."""
        failures = error.failures if isinstance(error, BatchFailures) else None
        results = {}
        for message in ready:
            outcome = error if failures is None else failures.get(message.message_id)
            if outcome is None:
                results[id(message)] = MessageHandlingResult.from_result(message, True)
            else:
                results[id(message)] = MessageHandlingResult.from_error(message, _as_exception(outcome))
        if failures:
            self.warn_unknown(ready, failures)
        return results

    def warn_unknown(self, ready: list[SQSMessage], failures: dict) -> None:
        unknown = set(failures) - {message.message_id for message in ready}
        if unknown:
            self.dispatcher.logger.warning(render(
                "a batch handler reported failures for {count} message ids not in its batch (first: {first})",
                count=len(unknown), first=sorted(map(str, unknown))[0],
            ))

    def finish(self, messages: list[SQSMessage], results: dict, handler: Any,
               clock: tuple[float, float]) -> list[MessageHandlingResult]:
        """Hold back FIFO followers of a retried message, then log and report each result in its context."""
        ordered = [results[id(message)] for message in messages]
        if self.fifo:
            ordered = hold_back_followers(messages, ordered)
        dispatcher = self.dispatcher
        start_time, start = clock
        for message, result in zip(messages, ordered):
            with dispatcher.message_context(message):
                dispatcher.opaque["handler"] = dispatcher.handler_name(handler) if handler is not None else None
                dispatcher.record(message, result, start_time, start, handler)
        return ordered


def hold_back_followers(
    messages: list[SQSMessage], results: list[MessageHandlingResult],
) -> list[MessageHandlingResult]:
    """Retry (at once) every message that comes after a retried one of its FIFO group."""
    failed_groups: set = set()
    adjusted = []
    for message, result in zip(messages, results):
        group = message.message_group_id
        if group in failed_groups and not result.result.retry:
            result = MessageHandlingResult(media_type=message.media_type, result=MessageHandlingResultType.RETRIED,
                                           extra={"reason": HELD_BACK}, retry_timeout_seconds=0)
        if result.result.retry:
            failed_groups.add(group)
        adjusted.append(result)
    return adjusted


def _as_exception(outcome: Any) -> Exception:
    if isinstance(outcome, Exception):
        return outcome
    if isinstance(outcome, type) and issubclass(outcome, Exception):
        return outcome()
    return Nack(None, reason=f"batch handler reported {outcome!r:.100}")


def handle_resolving(
    dispatcher: Any, messages: list[SQSMessage], bound_handlers: dict[str, Any],
) -> list[MessageHandlingResult]:
    """
    The drop-in path (`handle_message`, `handle_batch`) when batch handlers are registered: a batch
    handler's messages in batches of its `max_size`, the others one by one, each resolved at once.

    """
    registry = dispatcher.sqs_message_handler_registry
    results: dict[int, MessageHandlingResult] = {}
    batches: dict[Any, list[SQSMessage]] = {}
    for message in messages:
        try:
            spec = registry.batch_spec(registry.find(message.media_type, bound_handlers))
        except KeyError:
            spec = None
        if spec is None:
            results[id(message)] = dispatcher.process_message(message, bound_handlers).resolve(message)
        else:
            batches.setdefault((message.media_type, spec), []).append(message)
    dispatch = BatchDispatch(dispatcher, bound_handlers, fifo=dispatcher.sqs_consumer.is_fifo)
    for (_, spec), batch in batches.items():
        for start in range(0, len(batch), spec.max_size):
            chunk = batch[start:start + spec.max_size]
            for message, result in zip(chunk, dispatch.process(chunk)):
                results[id(message)] = result.resolve(message)
    return [results[id(message)] for message in messages]
