"""
Capped exponential backoff with full jitter, for calls the broker keeps refusing.

botocore already retries each call a few times ("standard" retry mode); this backs off the
loops around those calls, so a daemon whose broker is down waits instead of spinning.

"""
from random import uniform


class RetryBackoff:
    """Delays of up to base * 2^n seconds, capped, reset by a success."""

    def __init__(self, base_seconds: float = 0.5, cap_seconds: float = 5.0):
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.failures = 0

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next attempt."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** min(self.failures, 30)))
        self.failures += 1
        return uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0
