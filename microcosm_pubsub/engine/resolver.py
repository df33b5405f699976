"""
The only stage that deletes messages or changes their visibility, in batches of up to 10.

Acks and retries are buffered and flushed when 10 of a kind are pending or after a short
interval, and always before the engine stops. Every `Failed` entry of a batch answer is retried
with its receipt handle and reported if it still fails: a message whose delete never succeeds is
redelivered by SQS (at-least-once), never silently dropped.

"""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


class BatchResolver:
    """Buffers deletes and visibility changes and sends them as `*Batch` calls from one thread."""

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
        # batches sent at once: one round trip per batch would otherwise cap deletes per second
        self.senders = max(1, senders)
        self._executor = ThreadPoolExecutor(max_workers=self.senders, thread_name_prefix="pubsub-resolver-send")
        self._thread = Thread(target=self._run, name="pubsub-resolver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def delete(self, message: SQSMessage) -> None:
        """Queue the message's deletion; a pending visibility change for it is dropped."""
        with self._condition:
            self._visibility.pop(message.receipt_handle, None)
            self._deletes[message.receipt_handle] = PendingAction(message)
            if len(self._deletes) >= SQS_MAX_BATCH_ENTRIES:
                self._condition.notify()

    def change_visibility(self, message: SQSMessage, timeout: int) -> None:
        """Queue a visibility change (0 releases the message to other consumers at once)."""
        with self._condition:
            if message.receipt_handle in self._deletes:
                return
            self._visibility[message.receipt_handle] = PendingAction(message, int(timeout))
            if len(self._visibility) >= SQS_MAX_BATCH_ENTRIES:
                self._condition.notify()

    @property
    def pending(self) -> int:
        with self._condition:
            return len(self._deletes) + len(self._visibility)

    def stop(self, deadline_seconds: float = 10.0) -> None:
        """Flush everything pending (retrying until the deadline), then end the thread."""
        with self._condition:
            self._stopping = True
            self._condition.notify()
        self._thread.join(deadline_seconds)
        self._executor.shutdown(wait=False)
        remaining = self.pending
        if remaining:
            self.logger.warning(
                f"{remaining} deletes/visibility changes could not be sent before stopping; "
                "SQS will redeliver those messages after their visibility timeout"
            )

    def _run(self) -> None:
        deadline: Optional[float] = None
        while True:
            with self._condition:
                if not self._stopping and not self._full():
                    self._condition.wait(self.flush_interval_seconds)
                stopping = self._stopping
                deletes, visibility = self._take()
            if stopping and deadline is None:
                deadline = monotonic() + 10.0
            if deletes or visibility:
                sent = self._send(deletes, visibility)
                if not sent:
                    if deadline is not None and monotonic() > deadline:
                        return
                    self._sleep(self._backoff.next_delay() if not stopping else 0.2)
            elif stopping:
                return

    def _full(self) -> bool:
        return len(self._deletes) >= SQS_MAX_BATCH_ENTRIES or len(self._visibility) >= SQS_MAX_BATCH_ENTRIES

    def _take(self) -> tuple[list[PendingAction], list[PendingAction]]:
        deletes = list(self._deletes.values())
        visibility = list(self._visibility.values())
        self._deletes.clear()
        self._visibility.clear()
        return deletes, visibility

    def _sleep(self, seconds: float) -> None:
        with self._condition:
            self._condition.wait(seconds)

    def _send(self, deletes: list[PendingAction], visibility: list[PendingAction]) -> bool:
        """Send everything taken; on a broker fault put back what was not sent and report False."""
        chunks = [
            (actions[start:start + SQS_MAX_BATCH_ENTRIES], delete)
            for actions, delete in ((deletes, True), (visibility, False))
            for start in range(0, len(actions), SQS_MAX_BATCH_ENTRIES)
        ]
        faults = []
        for start in range(0, len(chunks), self.senders):
            wave = chunks[start:start + self.senders]
            outcomes = self._executor.map(self._try_batch, wave) if len(wave) > 1 else [self._try_batch(wave[0])]
            faults += [fault for fault in outcomes if fault is not None]
            if faults:
                self._put_back([action for unsent, _ in chunks[start + len(wave):] for action in unsent])
                break
        if faults:
            if not self._backoff.failing:
                self.logger.warning(f"SQS refused deletes/visibility changes, retrying with backoff: {faults[0]}")
            self.stats.record_error(f"resolve: {faults[0]}")
            return False
        if self._backoff.failing:
            self.logger.info("SQS accepts deletes/visibility changes again")
            self._backoff.reset()
        return True

    def _try_batch(self, chunk: tuple[list[PendingAction], bool]) -> Optional["_BrokerFault"]:
        """Send one batch; a fault puts its actions back and is returned, not raised."""
        actions, delete = chunk
        try:
            self._send_batch(actions, delete)
        except _BrokerFault as fault:
            self._put_back(actions)
            return fault
        return None

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
