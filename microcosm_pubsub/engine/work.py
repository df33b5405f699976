"""
Messages received but not started, handed to workers in an order the queue type allows.

On a standard queue any worker takes the next message. On a FIFO queue the messages of one
`MessageGroupId` go out one at a time and in order, while different groups run in parallel;
when a message of a group fails, the group's later messages are handed back for release, so
SQS redelivers the group in order.

"""
from collections import OrderedDict, deque
from threading import Condition
from typing import Optional

from microcosm_pubsub.message import SQSMessage


class WorkQueue:
    """A blocking queue of unstarted messages, grouped by FIFO group when `fifo` is set."""

    def __init__(self, fifo: bool = False):
        self.fifo = fifo
        self._groups: "OrderedDict[Optional[str], deque[SQSMessage]]" = OrderedDict()
        self._busy: set[Optional[str]] = set()
        self._size = 0
        self._closed = False
        self._condition = Condition()

    def _group_of(self, message: SQSMessage) -> Optional[str]:
        return message.message_group_id if self.fifo else None

    def put(self, messages: list[SQSMessage]) -> None:
        with self._condition:
            for message in messages:
                self._groups.setdefault(self._group_of(message), deque()).append(message)
                self._size += 1
            self._condition.notify(len(messages))

    def get(self, timeout: float) -> Optional[SQSMessage]:
        """The next message a worker may start, or None when none is ready in time."""
        with self._condition:
            message = self._take()
            if message is None and not self._closed:
                self._condition.wait(timeout)
                message = self._take()
            return message

    def _take(self) -> Optional[SQSMessage]:
        for group, messages in self._groups.items():
            if self.fifo and group in self._busy:
                continue
            message = messages.popleft()
            if not messages:
                del self._groups[group]
            if self.fifo:
                self._busy.add(group)
            self._size -= 1
            return message
        return None

    def done(self, message: SQSMessage, failed: bool) -> list[SQSMessage]:
        """Mark a message finished; for a failed FIFO message, return its group's held-back rest."""
        if not self.fifo:
            return []
        group = self._group_of(message)
        with self._condition:
            self._busy.discard(group)
            returned: list[SQSMessage] = []
            if failed and group in self._groups:
                returned = list(self._groups.pop(group))
                self._size -= len(returned)
            self._condition.notify()
            return returned

    def drain(self) -> list[SQSMessage]:
        """Take every unstarted message out (to release them) and wake idle workers."""
        with self._condition:
            drained = [message for messages in self._groups.values() for message in messages]
            self._groups.clear()
            self._size = 0
            self._closed = True
            self._condition.notify_all()
            return drained

    def has_startable(self) -> bool:
        """Whether a worker asking now would get a message (a FIFO backlog behind a busy group would not)."""
        with self._condition:
            if not self.fifo:
                return self._size > 0
            return any(group not in self._busy for group in self._groups)

    def __len__(self) -> int:
        with self._condition:
            return self._size
