"""
The event loop that runs async handlers: hundreds of messages in flight on one thread.

Why a feeder thread: the work queue blocks (it is shared with the worker threads and the
pollers), and a blocking call must never run on the loop. The feeder takes a slot (at most
`concurrency` units run at once), waits for the next unit of the loop's lane, and hands it to the
loop as a task. Each task runs its unit through the dispatcher's async path and settles its
results exactly as a worker thread does (same lifecycle: stats, resolver, FIFO groups, halt).

At the shutdown deadline `cancel()` cancels the running tasks: a cancelled unit settles nothing,
so its messages are still held and the engine releases them (visibility 0) like any handler
still running. An async handler that blocks (calls `time.sleep` or a sync HTTP client) stalls
every coroutine of the loop while it blocks; worker threads, receives and the visibility heartbeat
go on, since none of them runs on the loop.

"""
from asyncio import CancelledError, new_event_loop, run_coroutine_threadsafe, set_event_loop, wait
from threading import BoundedSemaphore, Condition, Event, Thread
from time import monotonic
from typing import Any, Callable

from microcosm_pubsub.engine.units import UnitRunner
from microcosm_pubsub.engine.work import LOOP
from microcosm_pubsub.message import SQSMessage


CANCEL_GRACE_SECONDS = 2.0


class AsyncWorkers:
    """One event loop thread and its feeder, running up to `concurrency` units at once."""

    def __init__(self, concurrency: int, lifecycle: Any, runner: UnitRunner, may_start: Callable[[], bool]):
        self.concurrency = concurrency
        self.lifecycle = lifecycle
        self.runner = runner
        self.may_start = may_start
        self.loop = new_event_loop()
        self._slots = BoundedSemaphore(concurrency)
        self._running = 0
        self._changed = Condition()
        self._tasks: set = set()
        self._stopping = Event()
        self._loop_thread = Thread(target=self._run_loop, name="pubsub-event-loop", daemon=True)
        self._feeder = Thread(target=self._feed, name="pubsub-loop-feeder", daemon=True)

    def start(self) -> None:
        self._loop_thread.start()
        self._feeder.start()

    def stop(self) -> None:
        """Feed nothing more once the work queue is empty; running units finish."""
        self._stopping.set()

    def join(self, timeout: float) -> bool:
        """Wait until nothing is fed or running; then stop the loop. False when still busy."""
        deadline = monotonic() + max(0.0, timeout)
        self._feeder.join(max(0.0, timeout))
        with self._changed:
            idle = self._changed.wait_for(lambda: self._running == 0, max(0.0, deadline - monotonic()))
        if idle and not self._feeder.is_alive():
            self._close_loop()
            return True
        return False

    def cancel(self) -> None:
        """Cancel every running unit (their messages stay held) and wait briefly for them to unwind."""
        if not self.loop.is_running():
            return
        future = run_coroutine_threadsafe(self._cancel_all(), self.loop)
        try:
            future.result(CANCEL_GRACE_SECONDS)
        except Exception:
            pass

    async def _cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await wait(tasks, timeout=CANCEL_GRACE_SECONDS)

    def _run_loop(self) -> None:
        set_event_loop(self.loop)
        self.loop.run_forever()

    def _close_loop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._loop_thread.join(5)

    def _feed(self) -> None:
        while True:
            if not self.may_start():
                if self._stopping.wait(0.2):
                    return
                continue
            if not self._slots.acquire(timeout=0.2):
                continue
            unit = self.lifecycle.take(LOOP, self.may_start) if self.may_start() else None
            if unit is None:
                self._slots.release()
                if self._stopping.is_set():
                    return
                continue
            with self._changed:
                self._running += 1
            self.loop.call_soon_threadsafe(self._spawn, unit)

    def _spawn(self, unit: list[SQSMessage]) -> None:
        task = self.loop.create_task(self._work_on(unit))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work_on(self, unit: list[SQSMessage]) -> None:
        self.lifecycle.begin(unit)
        try:
            try:
                outcomes = await self.runner.run_async(unit)
            except CancelledError:
                self.lifecycle.abandon(unit)
                raise
            except BaseException as error:
                outcomes = self.lifecycle.broke(unit, error)
            self.lifecycle.finish(unit, outcomes)
        finally:
            self._slots.release()
            with self._changed:
                self._running -= 1
                self._changed.notify_all()
