"""
Counters of what the engine did, for logs, `/stats` and tests.

"""
from threading import Lock
from time import monotonic, time
from typing import Any, Iterable, Optional


COUNTERS = (
    "received", "succeeded", "skipped", "ignored", "expired", "dropped", "retried", "failed",
    "deleted", "visibility_changed", "extended", "released", "resolve_failed", "receive_errors",
)


class EngineStats:
    """Thread-safe counters, one per result type and per SQS action, plus the last error."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._counts = dict.fromkeys(COUNTERS, 0)
        self.started_at = time()
        self._started = monotonic()
        self.last_error: Optional[str] = None
        self.in_flight = 0

    def increment(self, name: str, count: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + count

    def add_in_flight(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta

    def finished(self, size: int, results: Iterable[str]) -> None:
        """A unit of `size` messages is done: one lock for its in-flight count and its result counters."""
        with self._lock:
            self.in_flight -= size
            counts = self._counts
            for name in results:
                counts[name] = counts.get(name, 0) + 1

    def record_error(self, description: str) -> None:
        with self._lock:
            self.last_error = description

    def __getitem__(self, name: str) -> int:
        return self._counts.get(name, 0)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of every counter."""
        with self._lock:
            return {
                **self._counts,
                "in_flight": self.in_flight,
                "last_error": self.last_error,
                "uptime_seconds": round(monotonic() - self._started, 3),
            }
