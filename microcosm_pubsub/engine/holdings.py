"""
Every message the engine holds (received, not yet resolved), with the times the heartbeat needs.

The poller waits for room here before receiving, which caps messages in flight.

"""
from dataclasses import dataclass
from threading import Condition, Lock
from time import monotonic
from typing import Callable, Optional

from microcosm_pubsub.message import SQSMessage


@dataclass(slots=True)
class HeldMessage:
    message: SQSMessage
    received_at: float
    extended_at: float


class Holdings:
    """Thread-safe set of held messages, bounded by `capacity`."""

    def __init__(self, capacity: int, wake_at: int = 1):
        self.capacity = capacity
        # receivers wait for this much room: a removal that leaves less wakes nobody it could help
        self.wake_at = max(1, min(wake_at, capacity))
        self._held: dict[str, HeldMessage] = {}
        self._reserved = 0
        self._lock = Lock()
        # receivers wait for room, `wait_until_empty` for nothing held: a removal wakes only whom it helps
        self._room_freed = Condition(self._lock)
        self._emptied = Condition(self._lock)

    def add(self, messages: list[SQSMessage], reserved: int = 0) -> None:
        """Hold received messages, giving back the `reserved` slots they were received into."""
        now = monotonic()
        with self._lock:
            self._reserved -= reserved
            for message in messages:
                self._held[message.receipt_handle] = HeldMessage(message, now, now)
            if reserved > len(messages):
                self._room_freed.notify_all()

    def remove(self, message: SQSMessage) -> None:
        with self._lock:
            self._held.pop(message.receipt_handle, None)
            if not self._held:
                self._emptied.notify_all()
            room = self._room()
            # one receiver per `wake_at` slots freed: a second one woken now would find no room
            if room >= self.wake_at and room % self.wake_at == 0:
                self._room_freed.notify()

    def snapshot(self) -> list[HeldMessage]:
        with self._lock:
            return list(self._held.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def _room(self) -> int:
        return self.capacity - len(self._held) - self._reserved

    def reserve(self, wanted: int, accept_fewer: "Callable[[], bool]", timeout: float) -> int:
        """
        Wait until `wanted` slots are free (or fewer, when `accept_fewer()` says so) and reserve
        them for one receive, so several receivers never overfill the cap; return the count.

        """
        with self._lock:
            self._room_freed.wait_for(lambda: self._room() >= wanted, timeout)
            room = self._room()
            granted = min(wanted, room) if room >= wanted or (room > 0 and accept_fewer()) else 0
            self._reserved += granted
            return granted

    def wait_until_empty(self, timeout: Optional[float]) -> bool:
        with self._lock:
            return self._emptied.wait_for(lambda: not self._held, timeout)

    def notify(self) -> None:
        with self._lock:
            self._room_freed.notify_all()
            self._emptied.notify_all()
