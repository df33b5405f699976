"""
Runners of handlers: worker threads for sync handlers, one event loop for async ones.

Neither touches the network itself. Each takes the next startable unit of its lane from the work
queue (one message, or a batch for a batch handler), runs it through the dispatcher, and hands
every result to the resolver. `Workers` is what the engine sees: `concurrency` threads when a
sync handler is bound, plus, when an async handler is bound, an event loop running up to
`async_concurrency` units at once (see `async_workers.py`).

"""
from logging import Logger
from sys import exc_info
from threading import Event, Thread
from typing import Any, Callable, Optional

from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.engine.units import UnitRunner
from microcosm_pubsub.engine.work import LOOP, THREADS, WorkQueue
from microcosm_pubsub.log_safety import printable_exc_info, render
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResult, MessageHandlingResultType


Outcomes = list[tuple[SQSMessage, MessageHandlingResult]]
# an idle worker thread's wait for a unit: a put, a freed FIFO group and the shutdown's drain wake it
# sooner, so this only bounds how often idle threads wake (each wake costs CPU)
IDLE_WAIT_SECONDS = 1.0
# the stats counter of each result type, looked up once per message
COUNTERS = {kind: kind.name.lower() for kind in MessageHandlingResultType}


class UnitLifecycle:
    """What every runner does around a unit: count it in flight, count and settle its results, free its FIFO groups."""

    def __init__(self, work: WorkQueue, settle: Callable[[SQSMessage, MessageHandlingResult], None],
                 release: Callable[[list], None], stats: EngineStats, logger: Logger):
        self.work = work
        self.settle = settle
        self.release = release
        self.stats = stats
        self.logger = logger

    def begin(self, unit: list[SQSMessage]) -> None:
        self.stats.add_in_flight(len(unit))

    def broke(self, unit: list[SQSMessage], error: BaseException) -> Outcomes:
        """Results for a unit whose handling failed outside its handler (each message FAILED)."""
        self.logger.error(render("handling message {message_id} failed outside its handler",
                                 message_id=unit[0].message_id), exc_info=printable_exc_info(exc_info()))
        error = error if isinstance(error, Exception) else RuntimeError(repr(error))
        return [(message, MessageHandlingResult.from_error(message, error)) for message in unit]

    def finish(self, unit: list[SQSMessage], outcomes: Outcomes) -> None:
        self.stats.finished(len(unit), [COUNTERS[result.result] for _, result in outcomes])
        for message, result in outcomes:
            self.settle(message, result)
        failed_groups = {message.message_group_id for message, result in outcomes if result.result.retry}
        held_back = self.work.done(unit, failed_groups)
        if held_back:
            self.release(held_back)

    def take(self, lane: str, may_start: Callable[[], bool], timeout: float = 0.2) -> Optional[list[SQSMessage]]:
        """The next unit of `lane` (None after `timeout`); one taken as a halt came is put back unstarted."""
        unit = self.work.get(timeout=timeout, lane=lane)
        if unit is not None and not may_start():
            self.put_back(unit)
            return None
        return unit

    def put_back(self, unit: list[SQSMessage]) -> None:
        """A unit taken but never started (a halt came meanwhile): free its groups, release its messages."""
        self.work.done(unit)
        self.release(unit)

    def abandon(self, unit: list[SQSMessage]) -> None:
        """A cancelled unit: no result; its messages stay held, for the engine to release."""
        self.stats.add_in_flight(-len(unit))


class ThreadWorkers:
    """A fixed pool of handler threads, for sync handlers."""

    def __init__(self, count: int, lifecycle: UnitLifecycle, runner: UnitRunner, may_start: Callable[[], bool]):
        self.lifecycle = lifecycle
        self.runner = runner
        self.may_start = may_start
        self._stopping = Event()
        self._threads = [
            Thread(target=self._run, name=f"pubsub-worker-{index}", daemon=True) for index in range(count)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float) -> bool:
        for thread in self._threads:
            thread.join(max(0.0, timeout))
        return not any(thread.is_alive() for thread in self._threads)

    def _run(self) -> None:
        while True:
            if not self.may_start():
                if self._stopping.wait(0.2):
                    return
                continue
            unit = self.lifecycle.take(THREADS, self.may_start, IDLE_WAIT_SECONDS)
            if unit is not None:
                self._work_on(unit)
            elif self._stopping.is_set():
                return

    def _work_on(self, unit: list[SQSMessage]) -> None:
        self.lifecycle.begin(unit)
        try:
            outcomes = self.runner.run(unit)
        except BaseException as error:
            outcomes = self.lifecycle.broke(unit, error)
        self.lifecycle.finish(unit, outcomes)


class Workers:
    """Every runner of the engine, started, stopped and joined as one."""

    def __init__(
        self,
        count: int,
        work: WorkQueue,
        runner: UnitRunner,
        settle: Callable[[SQSMessage, MessageHandlingResult], None],
        release: Callable[[list], None],
        stats: EngineStats,
        logger: Logger,
        may_start: Callable[[], bool] = lambda: True,
        lanes: frozenset = frozenset((THREADS,)),
        async_count: Optional[int] = None,
    ):
        self.lifecycle = UnitLifecycle(work, settle, release, stats, logger)
        self.pools: list[Any] = []
        if THREADS in lanes:
            self.pools.append(ThreadWorkers(count, self.lifecycle, runner, may_start))
        if LOOP in lanes:
            from microcosm_pubsub.engine.async_workers import AsyncWorkers

            self.pools.append(AsyncWorkers(async_count or count, self.lifecycle, runner, may_start))

    def start(self) -> None:
        for pool in self.pools:
            pool.start()

    def stop(self) -> None:
        """Let runners exit once the work queue is empty (running handlers finish first)."""
        for pool in self.pools:
            pool.stop()

    def join(self, timeout: float) -> bool:
        return all([pool.join(timeout) for pool in self.pools])

    def cancel(self) -> None:
        """At the shutdown deadline: cancel running coroutines (threads cannot be), leaving their messages held."""
        for pool in self.pools:
            getattr(pool, "cancel", lambda: None)()
