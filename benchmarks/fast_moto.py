"""
Take moto 5.2.5's SQS backend off the critical path, without changing what it answers.

Its costs grow with queue depth, so on a queue of a few thousand messages the mock, not the client,
sets the pace (draining 2,000 messages ran at ~20 msgs/s for the raw-boto3 floor and the engine
alike):
- every `Message.visible`/`.delayed` check builds datetimes to read the clock;
- every `send_message`, and every received message (its retention check), computes
  `queue.attributes`, which counts the whole queue three times, only to read one setting;
- every `delete_message` scans the whole queue twice for the receipt handle.

`fast_moto_sqs()` replaces those three hot spots with equivalent code: the clock read from
`time.time()`, the counts skipped while a send or a retention check reads the attributes, and deletes found through
an index of receipt handles. Applied in the benchmark's broker, so the engine and the floor run
against the same, faster, mock.

"""
from contextlib import contextmanager
from threading import local
from time import time
from typing import Any, Iterator
from weakref import WeakValueDictionary


_not_counting = local()
_by_receipt_handle: "WeakValueDictionary[str, Any]" = WeakValueDictionary()


def _clock_millis(original: Any) -> Any:
    def unix_time_millis(dt: Any = None) -> float:
        return time() * 1000.0 if dt is None else original(dt)
    return unix_time_millis


def _count_when_asked(original: property) -> property:
    def count(self: Any) -> int:
        return 0 if getattr(_not_counting, "active", False) else original.fget(self)
    return property(count)


def _without_counts(original: Any) -> Any:
    """Run an operation that reads queue settings but never the message counts."""
    def operation(*args: Any, **kwargs: Any) -> Any:
        _not_counting.active = True
        try:
            return original(*args, **kwargs)
        finally:
            _not_counting.active = False
    return operation


def _indexing_receipt_handles(original: Any) -> Any:
    def mark_received(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _by_receipt_handle[self.receipt_handle] = self
    return mark_received


def _delete_by_index(invalid: type) -> Any:
    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return
        message = _by_receipt_handle.get(receipt_handle)
        if message is None:
            raise invalid()
        try:
            self._messages.remove(message)
        except ValueError:
            raise invalid() from None
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        for handle in message.all_receipt_handles:
            _by_receipt_handle.pop(handle, None)
    return delete_message


READ_SETTINGS_ONLY = ("send_message", "is_message_valid_based_on_retention_period")
COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


@contextmanager
def fast_moto_sqs() -> Iterator[None]:
    """Patch moto's SQS models as described above (restored on exit)."""
    from moto.sqs import models
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    saved = [
        (models, "unix_time_millis", models.unix_time_millis),
        *((models.SQSBackend, name, getattr(models.SQSBackend, name)) for name in READ_SETTINGS_ONLY),
        (models.Message, "mark_received", models.Message.mark_received),
        (models.Queue, "delete_message", models.Queue.delete_message),
        *((models.Queue, name, models.Queue.__dict__[name]) for name in COUNTS),
    ]
    models.unix_time_millis = _clock_millis(models.unix_time_millis)
    for name in READ_SETTINGS_ONLY:
        setattr(models.SQSBackend, name, _without_counts(getattr(models.SQSBackend, name)))
    models.Message.mark_received = _indexing_receipt_handles(models.Message.mark_received)
    models.Queue.delete_message = _delete_by_index(ReceiptHandleIsInvalid)
    for name in COUNTS:
        setattr(models.Queue, name, _count_when_asked(models.Queue.__dict__[name]))
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
