"""
`ConsumerDaemon.make_lambda_handler()`: an AWS Lambda entry point for an SQS event source.

Why the graph is built once: a warm Lambda container handles event after event, and building
the object graph (config, registries, clients, class handlers) costs far more than handling a
trivial message. The first event builds it; every later event reuses it (`handler.graph_builds`
counts the builds). The earlier library built one per event, and this package, until now, one per
record.

An event's records go through the engine's dispatch: sync handlers on up to `concurrency`
threads, async handlers on one event loop (up to `async_concurrency` at once), batch handlers
(`@handles_batch`) once per batch. Records whose result retries are reported as
`batchItemFailures`, so Lambda returns only those to the queue (enable ReportBatchItemFailures on
the event source mapping); Lambda deletes the rest, so nothing here calls SQS. A record that
breaks anything, even outside its handler, fails alone. On a FIFO queue the records run in order,
and once a record of a group fails, the group's later records fail too without running.

"""
from asyncio import Runner, Semaphore, gather
from concurrent.futures import ThreadPoolExecutor
from logging import getLogger
from sys import exc_info
from threading import Lock
from typing import Any, Callable, Optional

from microcosm_pubsub.consumer import async_concurrency
from microcosm_pubsub.engine.routing import Router
from microcosm_pubsub.engine.units import UnitRunner, handle_with_payload
from microcosm_pubsub.engine.work import LOOP, Route
from microcosm_pubsub.log_safety import printable_exc_info, render
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.observability.batches import lambda_batch_span
from microcosm_pubsub.result import MessageHandlingResult


BROKE_LINE = "Lambda record {message_id} failed outside its handler ({error}); it returns to the queue"


class LambdaDispatch:
    """One container's graph and runners, handling event after event."""

    def __init__(self, daemon: Any):
        graph = daemon.graph
        self.consumer = graph.sqs_consumer
        self.dispatcher = graph.sqs_message_dispatcher
        self.bound_handlers = daemon.bound_handlers or {}
        self.router = Router(self.dispatcher.sqs_message_handler_registry, self.bound_handlers)
        self.units = UnitRunner(self.dispatcher, self.bound_handlers, self.router, self.handle)
        config = graph.config.sqs_consumer
        self.concurrency = int(config.concurrency)  # checked (1 or more) when the consumer was built
        self.async_concurrency = async_concurrency(config, self.concurrency)
        self._pool = ThreadPoolExecutor(self.concurrency, "pubsub-lambda") if self.concurrency > 1 else None
        self._loop: Optional[Runner] = None

    def handle(self, message: SQSMessage) -> MessageHandlingResult:
        return handle_with_payload(self.dispatcher, self.bound_handlers, message)

    def __call__(self, event: dict) -> dict:
        records = event.get("Records") or []
        fifo = any(str(record.get("eventSourceARN", "")).endswith(".fifo") for record in records
                   if isinstance(record, dict))
        failed: set[int] = set()
        messages: list[tuple[int, SQSMessage]] = []
        for position, record in enumerate(records):
            message = self.parse(record)
            if message is None:
                failed.add(position)
            else:
                messages.append((position, message))
        with lambda_batch_span([message for _, message in messages], records):  # one CONSUMER span per event
            failed |= self.run_in_order(messages) if fifo else self.run_all(messages)
        return {"batchItemFailures": [
            {"itemIdentifier": _message_id(record)} for position, record in enumerate(records) if position in failed
        ]}

    def parse(self, record: Any) -> Optional[SQSMessage]:
        try:
            return self.consumer.parse(record)
        except Exception as error:
            broke(record, error)
            return None

    def run_all(self, messages: list[tuple[int, SQSMessage]]) -> set[int]:
        """Every unit at once: thread units on the pool, loop units on the event loop; the failed positions."""
        units = self.units_of(messages, consecutive=False)
        threaded = [unit for route, unit in units if route.lane != LOOP]
        looped = [unit for route, unit in units if route.lane == LOOP]
        futures = [self._pool.submit(self.run_unit, unit) for unit in threaded] if self._pool else []
        failed = set() if self._pool else {p for unit in threaded for p in self.run_unit(unit)}
        if looped:
            failed.update(p for positions in self.loop().run(self.run_looped(looped)) for p in positions)
        for future in futures:
            failed.update(future.result())
        return failed

    def run_in_order(self, messages: list[tuple[int, SQSMessage]]) -> set[int]:
        """FIFO: one unit after another; a group that failed fails its later records unrun."""
        failed: set[int] = set()
        failed_groups: set = set()
        for route, unit in self.units_of(messages, consecutive=True):
            held = [(p, m) for p, m in unit if m.message_group_id in failed_groups]
            runnable = [(p, m) for p, m in unit if m.message_group_id not in failed_groups]
            failed.update(p for p, _ in held)
            if runnable:
                unit_failed = self.loop().run(self.run_unit_async(runnable)) if route.lane == LOOP \
                    else self.run_unit(runnable)
                for position, message in runnable:
                    # a batch may have handled a group's later records after an earlier one failed
                    if position in unit_failed or message.message_group_id in failed_groups:
                        failed.add(position)
                        failed_groups.add(message.message_group_id)
        return failed

    def units_of(self, messages: list[tuple[int, SQSMessage]], consecutive: bool) -> list[tuple[Route, list]]:
        """One unit per message, batches of up to `max_size` per batch route (in order when `consecutive`)."""
        units: list[tuple[Route, list]] = []
        open_batches: dict[Route, list] = {}
        for position, message in messages:
            route = self.router.route(message)
            if route.batch is None:
                units.append((route, [(position, message)]))
                continue
            batch = open_batches.get(route)
            if batch is None or len(batch) >= route.batch.max_size or (consecutive and units[-1][1] is not batch):
                batch = open_batches[route] = []
                units.append((route, batch))
            batch.append((position, message))
        return units

    def run_unit(self, unit: list[tuple[int, SQSMessage]]) -> set[int]:
        return _failed_positions(unit, lambda messages: self.units.run(messages))

    async def run_unit_async(self, unit: list[tuple[int, SQSMessage]]) -> set[int]:
        messages = [message for _, message in unit]
        try:
            outcomes = await self.units.run_async(messages)
        except Exception as error:
            broke(messages[0], error)
            return {position for position, _ in unit}
        return _retried(unit, outcomes)

    async def run_looped(self, units: list[list]) -> list[set[int]]:
        limit = Semaphore(self.async_concurrency)

        async def bounded(unit: list) -> set[int]:
            async with limit:
                return await self.run_unit_async(unit)
        return await gather(*(bounded(unit) for unit in units))

    def loop(self) -> Runner:
        if self._loop is None:
            self._loop = Runner()
        return self._loop


def _failed_positions(unit: list[tuple[int, SQSMessage]], run: Callable[[list], Any]) -> set[int]:
    messages = [message for _, message in unit]
    try:
        outcomes = run(messages)
    except Exception as error:
        broke(messages[0], error)
        return {position for position, _ in unit}
    return _retried(unit, outcomes)


def _retried(unit: list[tuple[int, SQSMessage]], outcomes: list) -> set[int]:
    return {position for (position, _), (_, result) in zip(unit, outcomes) if result.result.retry}


def _message_id(record: Any) -> Any:
    return record.get("messageId") if isinstance(record, dict) else None


def broke(record_or_message: Any, error: Exception) -> None:
    message_id = getattr(record_or_message, "message_id", None) or _message_id(record_or_message)
    getLogger(__name__).warning(render(BROKE_LINE, message_id=message_id, error=type(error).__name__),
                                exc_info=printable_exc_info(exc_info()))


def make_lambda_handler(daemon_class: type) -> Callable[[dict, Any], Any]:
    """The entry point: answers warm-up events, builds the graph on the first real event, reuses it after."""
    built: list[LambdaDispatch] = []
    lock = Lock()

    def handler(event: dict, context: Any) -> Any:
        if "warm" in event:
            return "warming up"
        if not built:
            with lock:
                if not built:
                    records = [record for record in event.get("Records") or [] if isinstance(record, dict)]
                    daemon = daemon_class(event=records[0] if records else {"lambda": True})
                    daemon.initialize()
                    built.append(LambdaDispatch(daemon))
                    handler.graph_builds += 1  # type: ignore[attr-defined]
        return built[0](event)

    handler.graph_builds = 0  # type: ignore[attr-defined]
    return handler
