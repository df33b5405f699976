"""
Keep long-running messages invisible while their handlers work.

A message held longer than half its visibility timeout gets its visibility extended (through the
batched resolver), until it has been held `max_seconds`; after that SQS may redeliver it, which
bounds how long a stuck handler can hide a message.

"""
from logging import Logger
from threading import Event, Thread
from time import monotonic
from typing import Callable

from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.message import SQSMessage


class VisibilityHeartbeat:
    """Extends the visibility of held messages from one thread."""

    def __init__(
        self,
        holdings: Holdings,
        extend: Callable[[SQSMessage, int], None],
        visibility_timeout: int,
        max_seconds: float,
        stats: EngineStats,
        logger: Logger,
        fraction: float = 0.5,
    ):
        self.holdings = holdings
        self.extend = extend
        self.visibility_timeout = max(1, int(visibility_timeout))
        self.max_seconds = max_seconds
        self.stats = stats
        self.logger = logger
        self.threshold = self.visibility_timeout * fraction
        self.interval = max(0.1, min(5.0, self.visibility_timeout / 10))
        self._stopping = Event()
        self._thread = Thread(target=self._run, name="pubsub-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.beat()
            except Exception:
                # one bad beat must not end the heartbeat: slow handlers would be redelivered
                self.logger.warning("visibility heartbeat failed; trying again next beat", exc_info=True)

    def beat(self) -> int:
        """Extend every message due for it; return how many were extended."""
        now = monotonic()
        extended = 0
        for held in self.holdings.snapshot():
            if now - held.extended_at < self.threshold or now - held.received_at >= self.max_seconds:
                continue
            held.extended_at = now
            self.extend(held.message, self.visibility_timeout)
            extended += 1
        if extended:
            self.stats.increment("extended", extended)
        return extended
