"""
Worker threads: run handlers, never touch the network themselves.

Each worker takes the next startable message, runs it through the dispatcher, and hands the
result to the resolver. `concurrency` workers run at once; with 1, handling is sequential.

"""
from logging import Logger
from threading import Event, Thread
from sys import exc_info
from typing import Callable

from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.engine.work import WorkQueue
from microcosm_pubsub.log_safety import printable_exc_info, render
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResult, MessageHandlingResultType


class Workers:
    """A fixed pool of handler threads."""

    def __init__(
        self,
        count: int,
        work: WorkQueue,
        holdings: Holdings,
        handle: Callable[[SQSMessage], MessageHandlingResult],
        settle: Callable[[SQSMessage, MessageHandlingResult], None],
        release: Callable[[list], None],
        stats: EngineStats,
        logger: Logger,
        may_start: Callable[[], bool] = lambda: True,
    ):
        self.work = work
        self.may_start = may_start
        self.holdings = holdings
        self.handle = handle
        self.settle = settle
        self.release = release
        self.stats = stats
        self.logger = logger
        self._stopping = Event()
        self._threads = [
            Thread(target=self._run, name=f"pubsub-worker-{index}", daemon=True) for index in range(count)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Let workers exit once the work queue is empty (running handlers finish first)."""
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
            message = self.work.get(timeout=0.2)
            if message is not None:
                self._work_on(message)
            elif self._stopping.is_set():
                return

    def _work_on(self, message: SQSMessage) -> None:
        self.holdings.mark_started(message)
        self.stats.add_in_flight(1)
        try:
            result = self.handle(message)
        except BaseException as error:
            self.logger.error(render("handling message {message_id} failed outside its handler",
                                     message_id=message.message_id), exc_info=printable_exc_info(exc_info()))
            result = MessageHandlingResult.from_error(message, error if isinstance(error, Exception) else
                                                      RuntimeError(repr(error)))
        finally:
            self.stats.add_in_flight(-1)
        self.stats.increment(result.result.name.lower())
        self.settle(message, result)
        held_back = self.work.done(message, failed=result.result is not MessageHandlingResultType.SUCCEEDED
                                   and result.result.retry)
        if held_back:
            self.release(held_back)
