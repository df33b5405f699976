"""
The only stage that calls ReceiveMessage: it keeps the workers fed, up to the in-flight cap.

It receives ahead of handling (10 per call, long-polling), so the next batch is on its way while
handlers run. When the broker fails it backs off (capped, jittered), logs the state change once,
and resumes as soon as a receive succeeds.

"""
from logging import Logger
from threading import Event, Thread
from time import monotonic
from typing import Any, Callable

from microcosm_daemon.error_policy import ExitError

from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.retry import RetryBackoff
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.log_safety import render
from microcosm_pubsub.engine.work import WorkQueue


class Poller:
    """Receives into the work queue from one thread."""

    def __init__(
        self,
        consumer: Any,
        work: WorkQueue,
        holdings: Holdings,
        stats: EngineStats,
        logger: Logger,
        release: Callable[[list], None],
        on_end_of_input: Callable[[], None],
        name: str = "0",
    ):
        self.consumer = consumer
        self.work = work
        self.holdings = holdings
        self.stats = stats
        self.logger = logger
        self.release = release
        self.on_end_of_input = on_end_of_input
        self.batch_size = consumer.limit
        self.broker_reachable = True
        self.last_turn_at = monotonic()
        self._stopping = Event()
        self._backoff = RetryBackoff(base_seconds=0.5, cap_seconds=5.0)
        self._idle = RetryBackoff(base_seconds=0.05, cap_seconds=1.0)
        self._thread = Thread(target=self._run, name=f"pubsub-poller-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.holdings.notify()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_turning(self, within_seconds: float) -> bool:
        """Whether the receive loop is alive and went round recently (the liveness check)."""
        return self._thread.is_alive() and monotonic() - self.last_turn_at < within_seconds

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.last_turn_at = monotonic()
            # a full batch when it fits; fewer when the workers have nothing they could start
            reserved = self.holdings.reserve(self.batch_size, lambda: not self.work.has_startable(), timeout=0.2)
            if not reserved:
                continue
            messages = [] if self._stopping.is_set() else self._receive(reserved)
            self._accept(messages, reserved)

    def _accept(self, messages: list, reserved: int) -> None:
        if self._stopping.is_set():
            self.holdings.add([], reserved=reserved)
            self.release(messages)
            return
        self.holdings.add(messages, reserved=reserved)
        if messages:
            self.stats.increment("received", len(messages))
            self.work.put(messages)

    def _receive(self, count: int) -> list:
        started = monotonic()
        try:
            # large payloads are downloaded by the worker that handles them, not here
            messages = self.consumer.receive(count, self.consumer.wait_seconds, defer_payloads=True)
        except ExitError:
            self.logger.info("end of input: stopping once the last messages are handled")
            self._stopping.set()
            self.on_end_of_input()
            return []
        except Exception as error:
            self._broker_failed(error)
            return []
        self._broker_recovered()
        if messages:
            self._idle.reset()
        elif monotonic() - started < 0.05:
            self._stopping.wait(self._idle.next_delay())
        return messages

    def _broker_failed(self, error: Exception) -> None:
        self.stats.increment("receive_errors")
        self.stats.record_error(f"receive: {type(error).__name__}: {error}")
        if self.broker_reachable:
            self.broker_reachable = False
            self.logger.warning(render("cannot receive from SQS, backing off until it answers: {kind}: {error}",
                                       kind=type(error).__name__, error=error))
        self._stopping.wait(self._backoff.next_delay())

    def _broker_recovered(self) -> None:
        if not self.broker_reachable:
            self.broker_reachable = True
            self.logger.info(f"SQS answers again after {self._backoff.failures} failed receives")
        self._backoff.reset()
