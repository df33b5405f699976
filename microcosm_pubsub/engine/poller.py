"""
The only stage that calls ReceiveMessage: it keeps the workers fed, up to the in-flight cap.

It receives ahead of handling (10 per call, long-polling), so the next batch is on its way while
handlers run. When the broker fails it backs off (capped, jittered), logs the state change once,
and resumes as soon as a receive succeeds.

"""
from logging import Logger
from threading import Event, Thread
from time import monotonic, time
from typing import Any, Callable

from microcosm_daemon.error_policy import ExitError

from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.retry import RetryBackoff
from microcosm_pubsub.engine.stats import EngineStats
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
        self._thread = Thread(target=self._run, name="pubsub-poller", daemon=True)

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
            room = self._room()
            if room and not self._stopping.is_set():
                self._receive(room)

    def _room(self) -> int:
        """How many to ask for: a full batch when it fits, anything when workers are starving."""
        room = self.holdings.wait_for_room(self.batch_size, timeout=0.2)
        if room >= self.batch_size or (room and not self.work.has_startable()):
            return min(room, self.batch_size)
        return 0

    def _receive(self, count: int) -> None:
        started = monotonic()
        try:
            messages = self.consumer.receive(count, self.consumer.wait_seconds)
        except ExitError:
            self.logger.info("end of input: stopping once the last messages are handled")
            self._stopping.set()
            self.on_end_of_input()
            return
        except Exception as error:
            self._broker_failed(error)
            return
        self.stats.last_poll_at = time()
        self._broker_recovered()
        if self._stopping.is_set():
            self.release(messages)
            return
        if messages:
            self._idle.reset()
            self.stats.increment("received", len(messages))
            self.holdings.add(messages)
            self.work.put(messages)
        elif monotonic() - started < 0.05:
            self._stopping.wait(self._idle.next_delay())

    def _broker_failed(self, error: Exception) -> None:
        self.stats.increment("receive_errors")
        self.stats.record_error(f"receive: {type(error).__name__}: {error}")
        if self.broker_reachable:
            self.broker_reachable = False
            self.logger.warning(f"cannot receive from SQS, backing off until it answers: {type(error).__name__}: {error}")
        self._stopping.wait(self._backoff.next_delay())

    def _broker_recovered(self) -> None:
        if not self.broker_reachable:
            self.broker_reachable = True
            self.logger.info(f"SQS answers again after {self._backoff.failures} failed receives")
        self._backoff.reset()
