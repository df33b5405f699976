"""
systemd integration with the standard library only: the shipped unit, readiness and watchdog.

With `Type=notify`, systemd waits for READY=1 before counting the consumer as started, and
STOPPING=1 tells it a drain is under way. If `WatchdogSec=` is set, systemd exports
WATCHDOG_USEC and expects WATCHDOG=1 at least that often: the consumer pings at half the period
while its receive loop is turning, so a wedged consumer is restarted.

"""
import os
import socket
from importlib.resources import files
from logging import getLogger
from threading import Event, Thread
from typing import Callable, Optional


UNIT_NAME = "pubsub-consumer@.service"
# the longest a notice may wait for room on systemd's socket
NOTIFY_TIMEOUT_SECONDS = 1.0


def unit_text() -> str:
    """The template unit shipped inside the package."""
    return files("microcosm_pubsub").joinpath("systemd_units", UNIT_NAME).read_text()


def notify(state: str) -> bool:
    """
    Send one sd_notify state (e.g. "READY=1"); False when not run by systemd or it was not sent.

    A notice must never stop or stall the consumer: a socket that is gone or whose queue is full
    (Linux queues only `net.unix.max_dgram_qlen` datagrams, 10 by default, before a send blocks)
    costs at most NOTIFY_TIMEOUT_SECONDS and a logged warning.

    """
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(NOTIFY_TIMEOUT_SECONDS)
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as error:
        getLogger(__name__).warning(f"could not send {state} to systemd's NOTIFY_SOCKET: {error}")
        return False
    return True


def watchdog_interval() -> Optional[float]:
    """Half the watchdog period systemd asked for, in seconds, or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2


class Watchdog:
    """Pings systemd's watchdog while `alive()` holds."""

    def __init__(self, alive: Callable[[], bool], interval: float):
        self.alive = alive
        self.interval = interval
        self._stopping = Event()
        self._thread = Thread(target=self._run, name="pubsub-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            if self.alive():
                notify("WATCHDOG=1")
