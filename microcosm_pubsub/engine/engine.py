"""
The consume engine: poll ahead, handle with bounded concurrency, resolve in batches.

Stages, each in its own module and thread(s): `Poller` (ReceiveMessage) -> `WorkQueue` ->
`Workers` (handlers, via the dispatcher) -> `BatchResolver` (DeleteMessageBatch /
ChangeMessageVisibilityBatch), with `VisibilityHeartbeat` extending slow messages. This class
wires them and owns the ordered shutdown.

"""
from logging import Logger, getLogger
from threading import Event, Lock, Thread
from time import monotonic
from typing import Any, Optional

from botocore.client import BaseClient

from microcosm_pubsub.bounds import checked
from microcosm_pubsub.consumer import CONSUMER_BOUNDS, async_concurrency
from microcosm_pubsub.engine.heartbeat import VisibilityHeartbeat
from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.poller import Poller
from microcosm_pubsub.engine.resolver import BatchResolver
from microcosm_pubsub.engine.routing import Router
from microcosm_pubsub.engine.units import UnitRunner, handle_with_payload
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.engine.work import LOOP, THREADS, WorkQueue
from microcosm_pubsub.engine.workers import Workers
from microcosm_pubsub.errors import HaltConsumer
from microcosm_pubsub.log_safety import render
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResult
from microcosm_pubsub.stop_signals import POLL_SECONDS, StopSignals


DEFAULT_VISIBILITY_TIMEOUT = 30
MAX_AUTO_RECEIVERS = 4


class ConsumeEngine:
    """Runs a daemon's handlers over its queue until asked to stop."""

    def __init__(
        self,
        graph: Any,
        bound_handlers: dict[str, Any],
        concurrency: Optional[int] = None,
        shutdown_timeout: Optional[float] = 30.0,
        logger: Optional[Logger] = None,
        queue_visibility_timeout: Optional[int] = None,
    ):
        config = graph.config.sqs_consumer
        self.consumer = graph.sqs_consumer
        self.dispatcher = graph.sqs_message_dispatcher
        self.bound_handlers = bound_handlers
        # 0 or None: sqs_consumer.concurrency (already checked when the consumer was built)
        self.concurrency = checked("sqs_consumer.concurrency (--concurrency)", concurrency or config.concurrency,
                                   CONSUMER_BOUNDS["concurrency"])
        self.shutdown_timeout = checked(
            "sqs_consumer.shutdown_timeout_seconds (--shutdown-timeout)",
            config.shutdown_timeout_seconds if shutdown_timeout is None else shutdown_timeout,
            CONSUMER_BOUNDS["shutdown_timeout_seconds"],
        )
        self.logger = logger or getLogger("microcosm_pubsub.engine")
        self.stats = EngineStats()
        self.exit_code = 0
        self.halted = False
        self.draining = False
        # callables run once the engine is consuming, and when it starts to stop (e.g. sd_notify)
        self.on_started: list = []
        self.on_stopping: list = []
        self._stop_requested = Event()
        self._fast_stop = Event()
        self._stop_signals: Optional[StopSignals] = None
        self._lock = Lock()
        self.receivers = self._receivers(config.receivers)
        self.router = Router(self.dispatcher.sqs_message_handler_registry, bound_handlers)
        self.async_concurrency = async_concurrency(config, self.concurrency)
        self.holdings = Holdings(capacity=self._in_flight_cap() + self.receivers * self.consumer.limit,
                                 wake_at=self.consumer.limit)
        self.work = WorkQueue(fifo=self.consumer.is_fifo, route=self.router.route)
        self.resolver = BatchResolver(
            self.consumer, self.stats, self.logger,
            flush_interval_seconds=float(config.flush_interval_seconds),
            senders=self.receivers,
        )
        self.pollers = [
            Poller(
                self.consumer, self.work, self.holdings, self.stats, self.logger,
                release=self.release, on_end_of_input=self.end_of_input, name=str(index),
            )
            for index in range(self.receivers)
        ]
        self.poller = self.pollers[0]
        self.workers = Workers(
            self.concurrency, self.work,
            runner=UnitRunner(self.dispatcher, bound_handlers, self.router, self.handle, fifo=self.work.fifo),
            settle=self.settle, release=self.release, stats=self.stats, logger=self.logger,
            may_start=lambda: not self._stop_requested.is_set(),
            lanes=self.router.lanes, async_count=self.async_concurrency,
        )
        self.heartbeat = VisibilityHeartbeat(
            self.holdings, self.resolver.change_visibility,
            visibility_timeout=self._visibility_timeout(config.visibility_timeout_seconds or queue_visibility_timeout),
            max_seconds=float(config.heartbeat_max_seconds),
            stats=self.stats, logger=self.logger,
        )

    def _receivers(self, configured: Optional[int]) -> int:
        """
        ReceiveMessage calls kept in flight at once.

        One receive brings at most 10 messages per round trip, so with several workers one
        receiver would cap throughput at 10 per round trip; replay readers take one receiver.

        """
        if configured:
            return int(configured)
        if not isinstance(self.consumer.sqs_client, BaseClient):
            return 1
        return min(MAX_AUTO_RECEIVERS, (self.concurrency + 1) // 2)

    def _in_flight_cap(self) -> int:
        """Messages the running handlers may hold: per lane, its runners times its largest batch."""
        runners = {THREADS: self.concurrency, LOOP: self.async_concurrency}
        return sum(runners[lane] * size for lane, size in self.router.batch_sizes.items())

    def _visibility_timeout(self, configured: Optional[int]) -> int:
        """The queue's visibility timeout: configured (or read at start), else asked of SQS once, else 30 s."""
        if configured:
            return int(configured)
        try:
            attributes = self.consumer.sqs_client.get_queue_attributes(
                QueueUrl=self.consumer.sqs_queue_url, AttributeNames=["VisibilityTimeout"],
            )
            return int(attributes["Attributes"]["VisibilityTimeout"])
        except Exception:
            return DEFAULT_VISIBILITY_TIMEOUT

    def prepare(self) -> None:
        """Build every bound class handler now, once, before threads share them."""
        registry = self.dispatcher.sqs_message_handler_registry
        for media_type in self.bound_handlers:
            registry.find(media_type, self.bound_handlers)

    def handle(self, message: SQSMessage) -> MessageHandlingResult:
        """On a worker: download a large message's payload, run its handler, drop the payload once done."""
        return handle_with_payload(self.dispatcher, self.bound_handlers, message)

    def settle(self, message: SQSMessage, result: MessageHandlingResult) -> None:
        """Queue the result's SQS action, release the message's slot, and honour a halt."""
        if result.result.retry:
            timeout = self.consumer.backoff_policy.compute_backoff_timeout(message, result.retry_timeout_seconds)
            self.resolver.change_visibility(message, timeout or 0)
        else:
            self.resolver.delete(message)
        self.holdings.remove(message)
        try:
            self.dispatcher.send_metrics(result)
        except Exception:
            self.logger.warning("sending message metrics failed", exc_info=True)
        if result.halt is not None:
            self.halt(result.halt)

    def release(self, messages: list[SQSMessage]) -> None:
        """Make messages visible to other consumers at once (they were never handled)."""
        for message in messages:
            self.resolver.change_visibility(message, 0)
            self.holdings.remove(message)
        if messages:
            self.stats.increment("released", len(messages))

    def halt(self, halt: HaltConsumer) -> None:
        self.logger.info(render("a handler asked to halt (exit code {code}): {reason}",
                                code=halt.exit_code, reason=halt.reason or "no reason given"))
        with self._lock:
            self.exit_code = halt.exit_code
            self.halted = True
        self.request_stop()

    def end_of_input(self) -> None:
        """A replayed file or stdin ran out: stop once everything received has been handled."""
        def stop_when_done() -> None:
            self.holdings.wait_until_empty(None)
            self.request_stop()

        Thread(target=stop_when_done, name="pubsub-end-of-input", daemon=True).start()

    def request_stop(self) -> None:
        """Ask for a graceful stop (safe from signal handlers and any thread); again: stop fast."""
        if self._stop_requested.is_set():
            self._fast_stop.set()
        self._stop_requested.set()

    def start(self) -> None:
        self.prepare()
        self.resolver.start()
        self.heartbeat.start()
        self.workers.start()
        for poller in self.pollers:
            poller.start()
        self.logger.info(
            f"consuming {self.consumer.sqs_queue_url} with concurrency {self.concurrency}"
            f"{f' (event loop: {self.async_concurrency})' if LOOP in self.router.lanes else ''}, "
            f"{self.receivers} receiver{'s' if self.receivers > 1 else ''}"
            f"{' (FIFO: one message per group at a time)' if self.work.fifo else ''}"
        )
        self._notify(self.on_started)

    def _notify(self, listeners: list) -> None:
        for listener in listeners:
            try:
                listener()
            except Exception:
                self.logger.warning("an engine listener failed", exc_info=True)

    def run(self, stop_signals: Optional[StopSignals] = None) -> int:
        """
        Start, block until a stop is requested, stop in order, and return the exit code.

        Given the process's `StopSignals` (on the main thread), each signal counted there becomes
        a `request_stop()`: the first drains, the second stops fast. Without them nothing needs
        polling, so this thread sleeps until `request_stop()` instead of waking ten times a second.

        """
        self._stop_signals = stop_signals
        self.start()
        while not self._stop_requested.wait(POLL_SECONDS if stop_signals else None):
            self._take_stop_signals()
        self.shutdown()
        return self.exit_code

    def _take_stop_signals(self) -> None:
        for _ in range(self._stop_signals.take() if self._stop_signals else 0):
            self.request_stop()

    def _fast_stop_asked(self) -> bool:
        self._take_stop_signals()
        return self._fast_stop.is_set()

    def shutdown(self) -> None:
        """The ordered stop: one log line per step."""
        self.draining = True
        self._notify(self.on_stopping)
        self.logger.info("stopping (1/5): no more receives")
        for poller in self.pollers:
            poller.stop()
        unstarted = self.work.drain()
        self._wait_for_pollers()
        unstarted += self.work.drain()
        self.logger.info(f"stopping (2/5): returning {len(unstarted)} unstarted messages to the queue")
        self.release(unstarted)
        self.workers.stop()
        self.logger.info(f"stopping (3/5): waiting up to {self.shutdown_timeout:g}s for running handlers")
        if not self._wait_for_workers():
            self.workers.cancel()
            still_held = [held.message for held in self.holdings.snapshot()]
            self.logger.warning(f"{len(still_held)} handlers still running: releasing their messages")
            self.release(still_held)
        self.logger.info(f"stopping (4/5): flushing {self.resolver.pending} deletes and visibility changes")
        self.resolver.stop()
        self.logger.info("stopping (5/5): heartbeat stopped; done")
        self.heartbeat.stop()

    def _wait_for_pollers(self) -> None:
        """Let in-flight receives return (what they bring is released), unless a fast stop is asked."""
        deadline = monotonic() + self.consumer.wait_seconds + 5
        for poller in self.pollers:
            while not poller.join(POLL_SECONDS) and monotonic() < deadline:
                if self._fast_stop_asked():
                    return

    def _wait_for_workers(self) -> bool:
        deadline = monotonic() + self.shutdown_timeout
        while monotonic() < deadline and not self._fast_stop_asked():
            if self.workers.join(POLL_SECONDS):
                return True
        return self.workers.join(0)
