"""
SIGTERM, SIGINT and SIGHUP for a process whose main thread supervises others.

SIGHUP counts as a stop like the other two: a consumer whose terminal or session goes away (or
that an operator HUPs) drains rather than dying with messages in flight, and a process manager
stops its workers rather than leaving them running without it.

Python runs a signal handler on the main thread between two bytecodes, which may be while that
thread holds the lock inside a `threading.Event` it is waiting on. A handler that set that Event
would wait for a lock its own thread holds, forever: the process keeps running (its other
threads even keep answering health checks and watchdog pings) but never stops. So the handler
here only counts, which takes no lock, and the main thread's loop turns the count into stop
requests.

"""
from signal import SIGHUP, SIGINT, SIGTERM, signal
from threading import current_thread, main_thread
from typing import Any


# how often a supervising loop looks at the count: the worst-case delay before a signal is acted on
POLL_SECONDS = 0.1
# the signals that ask for a graceful stop (a second one: a fast stop)
STOP_SIGNALS = (SIGTERM, SIGINT, SIGHUP)


class StopSignals:
    """A lock-free count of stop signals, read by the main thread."""

    def __init__(self) -> None:
        self.received = 0
        self._taken = 0

    def install(self) -> "StopSignals":
        """
        Count SIGTERM, SIGINT and SIGHUP from now on.

        Only the main thread may install signal handlers; a daemon run from another thread (embedded
        in a test or an application) leaves the process's handlers alone and is stopped through
        its engine's `request_stop()`.

        """
        if current_thread() is main_thread():
            for signum in STOP_SIGNALS:
                signal(signum, self._count)
        return self

    def _count(self, signalnum: int, frame: Any) -> None:
        self.received += 1

    def take(self) -> int:
        """Signals received since the last call (a second signal usually means: stop faster)."""
        new = self.received - self._taken
        self._taken += new
        return new
