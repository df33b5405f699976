"""
What every scenario measures: elapsed time, messages, and API calls counted by a botocore hook.

"""
from dataclasses import dataclass
from threading import Lock
from time import perf_counter, process_time, sleep
from typing import Any, Callable


POLL_SECONDS = 0.005


@dataclass
class Rate:
    """One timed run: messages, seconds and API calls."""

    messages: int
    seconds: float
    calls: int = 0
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def calls_per_message(self) -> float:
        return self.calls / self.messages

    @property
    def cpu_microseconds_per_message(self) -> float:
        """CPU time of this (client) process per message, every thread counted."""
        return self.cpu_seconds * 1e6 / self.messages


class CallCounter:
    """Counts API calls made through one botocore client, by operation name."""

    def __init__(self, client: Any, service: str):
        self.counts: dict[str, int] = {}
        self._lock = Lock()
        client.meta.events.register(f"before-call.{service}.*", self._count)

    def _count(self, model: Any, **kwargs: Any) -> None:
        with self._lock:
            self.counts[model.name] = self.counts.get(model.name, 0) + 1

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())


def wait_for(done: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `done` every 5 ms (the same for every scenario) until it is true."""
    deadline = perf_counter() + timeout
    while not done():
        if perf_counter() > deadline:
            raise TimeoutError(f"{what} did not finish within {timeout:.0f}s")
        sleep(POLL_SECONDS)


def timed_loop(client: Any, service: str, messages: int, loop: Callable[[], None]) -> Rate:
    """Run `loop` once, counting the API calls `client` makes."""
    counter = CallCounter(client, service)
    cpu_start, start = process_time(), perf_counter()
    loop()
    return Rate(messages, perf_counter() - start, counter.total(), process_time() - cpu_start)
