"""
The only stage that deletes messages or changes their visibility, in batches of up to 10.

Acks and retries are buffered and flushed when 10 of a kind are pending or after a short
interval, and always before the engine stops. Every `Failed` entry of a batch answer is retried
with its receipt handle and reported if it still fails: a message whose delete never succeeds is
redelivered by SQS (at-least-once), never silently dropped.

"""
from dataclasses import dataclass
from itertools import islice
from logging import Logger
from threading import Condition, Thread
from time import monotonic
from typing import Any, Optional

from microcosm_pubsub.engine.retry import RetryBackoff
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.limits import SQS_MAX_BATCH_ENTRIES
from microcosm_pubsub.message import SQSMessage


@dataclass
class PendingAction:
    """One delete (timeout None) or visibility change waiting for its batch."""

    message: SQSMessage
    visibility_timeout: Optional[int] = None
    attempts: int = 0


# the actions of one `*Batch` call, and whether it deletes (else it changes visibility)
Batch = tuple[list[PendingAction], bool]


class BatchResolver:
    """
    Buffers deletes and visibility changes and sends them as `*Batch` calls from `senders` threads.

    Each sender takes one full batch of a kind and sends it itself, waking another sender when more
    full batches wait, so several batches are in flight at once without a hand-off to a pool per
    batch. Only the first sender also sends partial batches, once per flush interval, so a quiet
    queue costs no more calls with several senders than with one.

    """

    def __init__(
        self,
        consumer: Any,
        stats: EngineStats,
        logger: Logger,
        flush_interval_seconds: float = 0.05,
        max_attempts: int = 3,
        senders: int = 1,
    ):
        self.consumer = consumer
        self.stats = stats
        self.logger = logger
        self.flush_interval_seconds = flush_interval_seconds
        self.max_attempts = max_attempts
        self._deletes: dict[str, PendingAction] = {}
        self._visibility: dict[str, PendingAction] = {}
        self._condition = Condition()
        self._stopping = False
        self._backoff = RetryBackoff(base_seconds=0.2, cap_seconds=5.0)
        # while SQS refuses batches no sender sends before this (monotonic) time
        self._resume_at = 0.0
        self._flush_at = 0.0
        # batches sent at once: one round trip per batch would otherwise cap deletes per second
        self.senders = max(1, senders)
        self._threads = [
            Thread(target=self._run, args=(index == 0,), name=f"pubsub-resolver-{index}", daemon=True)
            for index in range(self.senders)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def delete(self, message: SQSMessage) -> None:
        """Queue the message's deletion; a pending visibility change for it is dropped."""
        with self._condition:
            if self._visibility:
                self._visibility.pop(message.receipt_handle, None)
            self._deletes[message.receipt_handle] = PendingAction(message)
            if len(self._deletes) % SQS_MAX_BATCH_ENTRIES == 0:
                self._condition.notify()

    def change_visibility(self, message: SQSMessage, timeout: int) -> None:
        """Queue a visibility change (0 releases the message to other consumers at once)."""
        with self._condition:
            if message.receipt_handle in self._deletes:
                return
            self._visibility[message.receipt_handle] = PendingAction(message, int(timeout))
            if len(self._visibility) % SQS_MAX_BATCH_ENTRIES == 0:
                self._condition.notify()

    @property
    def pending(self) -> int:
        with self._condition:
            return len(self._deletes) + len(self._visibility)

    def stop(self, deadline_seconds: float = 10.0) -> None:
        """Flush everything pending (retrying until the deadline), then end the threads."""
        with self._condition:
            self._stopping = True
            self._resume_at = 0.0
            self._condition.notify_all()
        deadline = monotonic() + deadline_seconds
        for thread in self._threads:
            thread.join(max(0.0, deadline - monotonic()))
        remaining = self.pending
        if remaining:
            self.logger.warning(
                f"{remaining} deletes/visibility changes could not be sent before stopping; "
                "SQS will redeliver those messages after their visibility timeout"
            )

    def _run(self, flushes: bool) -> None:
        deadline: Optional[float] = None
        while True:
            stopping, batches = self._next(flushes)
            if stopping and deadline is None:
                deadline = monotonic() + 10.0
            if not batches:
                return
            if not self._send(batches, stopping) and deadline is not None and monotonic() > deadline:
                return

    def _next(self, flushes: bool) -> tuple[bool, list[Batch]]:
        """
        Wait for batches to send: full ones, partial ones too when stopping or (for the sender
        that `flushes`) once per flush interval. Empty only when stopping and nothing is left.

        """
        with self._condition:
            while True:
                now = monotonic()
                if now >= self._resume_at:
                    partial = self._stopping or (flushes and now >= self._flush_at)
                    if partial and not self._stopping:
                        self._flush_at = now + self.flush_interval_seconds
                    batches = self._take(partial)
                    if batches or self._stopping:
                        if self._full():
                            self._condition.notify()
                        return self._stopping, batches
                    timeout = self._flush_at - now if flushes else None
                else:
                    timeout = self._resume_at - now
                self._condition.wait(timeout)

    def _full(self) -> bool:
        return len(self._deletes) >= SQS_MAX_BATCH_ENTRIES or len(self._visibility) >= SQS_MAX_BATCH_ENTRIES

    def _take(self, partial: bool) -> list[Batch]:
        """Up to one batch of each kind: a full one, or with `partial` whatever is pending."""
        batches = []
        for pending, delete in ((self._deletes, True), (self._visibility, False)):
            if len(pending) >= SQS_MAX_BATCH_ENTRIES:
                batches.append(([pending.pop(handle) for handle in list(islice(pending, SQS_MAX_BATCH_ENTRIES))],
                                delete))
            elif partial and pending:
                batches.append((list(pending.values()), delete))
                pending.clear()
        return batches

    def _send(self, batches: list[Batch], stopping: bool) -> bool:
        """Send the batches taken; on a broker fault put back what was not sent, back off, report False."""
        for index, (actions, delete) in enumerate(batches):
            try:
                self._send_batch(actions, delete)
            except _BrokerFault as fault:
                self._put_back([action for unsent, _ in batches[index:] for action in unsent])
                self._broker_failed(fault, stopping)
                return False
        if self._backoff.failing:
            with self._condition:
                if self._backoff.failing:
                    self.logger.info("SQS accepts deletes/visibility changes again")
                    self._backoff.reset()
        return True

    def _broker_failed(self, fault: "_BrokerFault", stopping: bool) -> None:
        """Log the first fault of a run of them, and hold every sender back (briefly when stopping)."""
        with self._condition:
            if not self._backoff.failing:
                self.logger.warning(f"SQS refused deletes/visibility changes, retrying with backoff: {fault}")
            self.stats.record_error(f"resolve: {fault}")
            delay = 0.2 if stopping else self._backoff.next_delay()
            self._resume_at = max(self._resume_at, monotonic() + delay)

    def _send_batch(self, actions: list[PendingAction], delete: bool) -> None:
        client = self.consumer.sqs_client
        queue_url = self.consumer.sqs_queue_url
        try:
            if delete:
                response = client.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[dict(Id=str(index), ReceiptHandle=action.message.receipt_handle)
                             for index, action in enumerate(actions)],
                )
            else:
                response = client.change_message_visibility_batch(
                    QueueUrl=queue_url,
                    Entries=[dict(Id=str(index), ReceiptHandle=action.message.receipt_handle,
                                  VisibilityTimeout=action.visibility_timeout)
                             for index, action in enumerate(actions)],
                )
        except Exception as error:
            raise _BrokerFault(error) from error
        self._check_failed(actions, response, delete)

    def _check_failed(self, actions: list[PendingAction], response: Any, delete: bool) -> None:
        failed = response.get("Failed") if isinstance(response, dict) else None
        failed_ids = {entry["Id"]: entry for entry in failed or []}
        done = len(actions) - len(failed_ids)
        self.stats.increment("deleted" if delete else "visibility_changed", done)
        for entry_id, entry in failed_ids.items():
            action = actions[int(entry_id)]
            action.attempts += 1
            if action.attempts < self.max_attempts:
                self._put_back([action])
                continue
            self.stats.increment("resolve_failed")
            self.logger.error(
                f"could not {'delete' if delete else 'change the visibility of'} message "
                f"{action.message.message_id}: {entry.get('Code')} {entry.get('Message')}; "
                "SQS will redeliver it after its visibility timeout",
                extra=dict(message_id=action.message.message_id, code=entry.get("Code")),
            )

    def _put_back(self, actions: list[PendingAction]) -> None:
        with self._condition:
            for action in actions:
                handle = action.message.receipt_handle
                if action.visibility_timeout is None:
                    self._deletes.setdefault(handle, action)
                elif handle not in self._deletes:
                    self._visibility.setdefault(handle, action)


class _BrokerFault(Exception):
    """A batch call failed as a whole (after botocore's own retries)."""

    def __init__(self, error: Exception):
        super().__init__(f"{type(error).__name__}: {error}")
