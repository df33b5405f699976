"""
Messages received but not started, handed out as units of work in an order the queue type allows.

Each message has a `Route`: the lane that runs its handler (thread workers for sync handlers, the
event loop for async ones) and, for a batch handler, the batch it joins. A unit is one message,
or for a batch handler up to `max_size` messages of its media type, handed out once that many
wait or the oldest has waited `max_wait_seconds`.

On a standard queue any idle runner of a lane takes that lane's next unit. On a FIFO queue the
messages of one `MessageGroupId` go out one unit at a time and in order, whatever their lanes
(a group is busy while its unit runs, and only a group's head may start), while different groups
run in parallel; a batch takes the leading messages of several idle groups. When a message of a
group fails, the group's later messages are handed back for release, so SQS redelivers the group
in order.

"""
from collections import OrderedDict, deque
from dataclasses import dataclass
from threading import Condition, Lock
from time import monotonic
from typing import Any, Callable, Collection, Hashable, Optional

from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.registry import BatchSpec


THREADS = "threads"
LOOP = "loop"
LANES = (THREADS, LOOP)


@dataclass(frozen=True)
class Route:
    """Where a message's handler runs: its lane, and its batch (handler's spec and media type)."""

    lane: str = THREADS
    batch: Optional[BatchSpec] = None
    media_type: Optional[str] = None
    # whether the handler itself is async (a sync one on the loop lane runs in a thread)
    is_async: bool = False


DEFAULT_ROUTE = Route()


class _Entry:
    __slots__ = ("message", "route", "at")

    def __init__(self, message: SQSMessage, route: Route, at: float):
        self.message, self.route, self.at = message, route, at


class WorkQueue:
    """A blocking queue of unstarted messages, per route (standard) or per FIFO group."""

    def __init__(self, fifo: bool = False, route: Callable[[SQSMessage], Route] = lambda message: DEFAULT_ROUTE):
        self.fifo = fifo
        self.route = route
        self._lock = Lock()
        self._ready = {lane: Condition(self._lock) for lane in LANES}
        # per lane: runners waiting for a unit, and those of them notified and not yet back
        self._waiting = dict.fromkeys(LANES, 0)
        self._waking = dict.fromkeys(LANES, 0)
        self._queues: "OrderedDict[Hashable, deque[_Entry]]" = OrderedDict()
        self._busy: set[Optional[str]] = set()
        self._size = 0
        self._closed = False

    def put(self, messages: list[SQSMessage]) -> None:
        now = monotonic()
        lanes: dict[str, int] = {}
        with self._lock:
            for message in messages:
                route = self.route(message)
                key = message.message_group_id if self.fifo else route
                entries = self._queues.get(key)
                if entries is None:
                    entries = self._queues[key] = deque()
                entries.append(_Entry(message, route, now))
                lanes[route.lane] = lanes.get(route.lane, 0) + 1
            self._size += len(messages)
            for lane in lanes:
                self._wake(lane)

    def get(self, timeout: float, lane: str = THREADS) -> Optional[list[SQSMessage]]:
        """The next unit a runner of `lane` may start, or None when none is ready in time."""
        with self._lock:
            plan, due_in = self._plan(lane, monotonic())
            if plan is None and not self._closed:
                self._waiting[lane] += 1
                self._ready[lane].wait(timeout if due_in is None else max(0.001, min(timeout, due_in)))
                self._waiting[lane] -= 1
                if self._waking[lane]:
                    self._waking[lane] -= 1
                plan, _ = self._plan(lane, monotonic())
            if plan is None:
                return None
            unit = self._take(plan)
            if self._size:
                self._wake(lane)
            return unit

    def _wake(self, lane: str) -> None:
        """
        Wake one idle runner of `lane`, unless one is already waking: each runner that takes a
        unit wakes the next while units remain, so a burst wakes runners one by one only as long
        as the ones awake cannot keep up (short handlers wake one or two threads, not all of them).

        """
        if self._waiting[lane] and not self._waking[lane]:
            self._waking[lane] += 1
            self._ready[lane].notify()

    def _plan(self, lane: str, now: float) -> tuple[Optional[list[tuple[Any, int]]], Optional[float]]:
        """
        Which queues to take how many entries from for `lane`'s next unit, or None and the
        seconds until a waiting partial batch is due (None when nothing is waiting).

        """
        batches: dict[Route, list] = {}
        for key, entries in self._queues.items():
            head = entries[0]
            if head.route.lane != lane or (self.fifo and key in self._busy):
                continue
            if head.route.batch is None:
                return [(key, 1)], None
            run = len(entries) if not self.fifo else _leading_run(entries, head.route)
            batches.setdefault(head.route, []).append((key, run, head.at))
        soonest: Optional[float] = None
        for route, candidates in batches.items():
            spec = route.batch
            waiting = sum(run for _, run, _ in candidates)
            due_in = min(at for _, _, at in candidates) + spec.max_wait_seconds - now
            if waiting >= spec.max_size or due_in <= 0:
                return _fill(candidates, spec.max_size), None
            soonest = due_in if soonest is None else min(soonest, due_in)
        return None, soonest

    def _take(self, plan: list[tuple[Any, int]]) -> list[SQSMessage]:
        unit = []
        for key, count in plan:
            entries = self._queues[key]
            if count == 1:
                unit.append(entries.popleft().message)
            else:
                unit.extend(entries.popleft().message for _ in range(count))
            if not entries:
                del self._queues[key]
            if self.fifo:
                self._busy.add(key)
        self._size -= len(unit)
        return unit

    def done(self, unit: list[SQSMessage], failed_groups: Collection[Optional[str]] = ()) -> list[SQSMessage]:
        """Mark a unit finished; return the held-back rest of each FIFO group that failed in it."""
        if not self.fifo:
            return []
        with self._lock:
            returned: list[SQSMessage] = []
            for message in unit:
                group = message.message_group_id
                self._busy.discard(group)
                if group in failed_groups and group in self._queues:
                    returned.extend(entry.message for entry in self._queues.pop(group))
            self._size -= len(returned)
            if self._size:
                for lane in LANES:
                    self._wake(lane)
            return returned

    def drain(self) -> list[SQSMessage]:
        """Take every unstarted message out (to release them) and wake idle runners."""
        with self._lock:
            drained = [entry.message for entries in self._queues.values() for entry in entries]
            self._queues.clear()
            self._size = 0
            self._closed = True
            for ready in self._ready.values():
                ready.notify_all()
            return drained

    def has_startable(self) -> bool:
        """Whether a runner asking now gets a unit: not a FIFO backlog behind busy groups, nor a batch not yet due."""
        now = monotonic()
        with self._lock:
            return any(self._plan(lane, now)[0] is not None for lane in LANES)

    def __len__(self) -> int:
        with self._lock:
            return self._size


def _leading_run(entries: "deque[_Entry]", route: Route) -> int:
    """How many entries at the head of a FIFO group share `route` (one batch may take them in order)."""
    run = 0
    for entry in entries:
        if entry.route != route:
            break
        run += 1
    return run


def _fill(candidates: list, max_size: int) -> list[tuple[Any, int]]:
    """Take whole runs, in queue order, up to `max_size` entries."""
    plan, room = [], max_size
    for key, run, _ in candidates:
        if room <= 0:
            break
        plan.append((key, min(run, room)))
        room -= min(run, room)
    return plan
