"""
Run N worker processes of one daemon (or service) on the same queue, and keep them running.

Scaling out is SQS's job: each worker is an ordinary consumer of the queue. The manager only
supervises: a worker that dies is logged with its exit code and restarted after a back-off; on
SIGTERM/SIGINT/SIGHUP every worker is asked to drain and the manager waits for them; if workers
keep failing (`max_restarts` within `restart_window_seconds`) the manager stops them all and
exits non-zero rather than looping forever. A worker that exits 2 (a configuration error, which
a restart cannot fix) stops them all at once with exit code 2, and a worker that has to be killed
because it did not stop within `shutdown_timeout` makes the manager exit 1.

Workers never outlive their manager, however it ends (even SIGKILL): on Linux the kernel sends
each worker SIGTERM when the manager dies (`PR_SET_PDEATHSIG`), elsewhere a thread of the worker
notices that its parent changed and sends it the same SIGTERM; either way the worker drains.

"""
import ctypes
import os
from logging import INFO, Formatter, Logger, StreamHandler, getLogger
from multiprocessing import get_context
from signal import SIG_DFL, SIGTERM, signal
from threading import Thread
from time import monotonic, sleep
from typing import Any, Callable, Optional

from microcosm_pubsub.observability.workers_health import WorkersHealth
from microcosm_pubsub.stop_signals import POLL_SECONDS, STOP_SIGNALS, StopSignals


# a worker's exit code for a configuration error (as argparse's usage errors): restarting cannot help
CONFIGURATION_ERROR_EXIT_CODE = 2
# how often a worker without PR_SET_PDEATHSIG looks for its manager
PARENT_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1


def _run_worker(factory: Callable[[], Any], halted: Any, manager_pid: int) -> None:
    """
    Child process body: build the daemon and run it (it exits with its own code).

    The fork copied the manager's signal handlers, which would make a worker ignore SIGTERM until
    its engine installs its own; until then (nothing is in flight yet) a stop signal just ends it.

    """
    for signum in STOP_SIGNALS:
        signal(signum, SIG_DFL)
    stop_with_parent(manager_pid)
    daemon = factory()
    try:
        daemon.start()
    except SystemExit:
        if getattr(getattr(daemon, "engine", None), "halted", False):
            halted.value = 1
        raise


def stop_with_parent(parent_pid: int) -> None:
    """SIGTERM this process when `parent_pid` is no longer its parent: by the kernel, else by a thread."""
    if not _kernel_signals_parent_death():
        Thread(target=_watch_parent, args=(parent_pid,), name="pubsub-parent-watch", daemon=True).start()
    elif os.getppid() != parent_pid:
        os.kill(os.getpid(), SIGTERM)  # the parent died before the kernel was asked to tell us


def _kernel_signals_parent_death() -> bool:
    """Ask Linux for SIGTERM when the parent dies; False where prctl is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == 0
    except (AttributeError, OSError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), SIGTERM)


# the line format microcosm-logging gives the workers, so the manager's lines read like theirs
LOG_FORMAT = "%(asctime)s - %(name)s - [%(levelname)s] - %(message)s"


def manager_logger() -> Logger:
    """
    The manager's logger, printing INFO to stderr unless the application configured logging.

    The manager builds no graph, so nothing else would configure logging in its process, and
    Python would print only its warnings: operators would not see workers start or stop.

    """
    logger = getLogger("microcosm_pubsub.manager")
    if not logger.handlers and not getLogger().handlers:
        handler = StreamHandler()
        handler.setFormatter(Formatter(LOG_FORMAT))
        logger.addHandler(handler)
        logger.setLevel(INFO)
    return logger


class ServiceManager:
    """Supervises `process_count` processes each running `service_class().start()`."""

    def __init__(
        self,
        service_class: Callable[[], Any],
        process_count: int = 1,
        max_restarts: int = 5,
        restart_window_seconds: float = 60.0,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
        shutdown_timeout: float = 60.0,
        logger: Optional[Logger] = None,
        health_port: Optional[int] = None,
        health_host: str = "127.0.0.1",
        **ignored: Any,
    ):
        if process_count < 1:
            raise ValueError(f"process_count is {process_count}: run at least one process")
        self.service_class = service_class
        self.process_count = process_count
        self.max_restarts = max_restarts
        self.restart_window_seconds = restart_window_seconds
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.shutdown_timeout = shutdown_timeout
        self.logger = logger or manager_logger()
        self._context = get_context("fork")
        self._workers: list[Any] = []
        self._restarts: list[float] = []
        self._stopping = False
        self._stop_signals = StopSignals()
        # set by a worker whose handler raised HaltConsumer: its exit code is the manager's
        self._halted = self._context.Value("b", 0)
        # --health-port: the manager answers it for all workers (`/metrics` labelled by worker)
        self._health = WorkersHealth(health_port, health_host, lambda: list(self._workers)) if health_port else None

    def _spawn(self) -> Any:
        process = self._context.Process(target=_run_worker, args=(self.service_class, self._halted, os.getpid()),
                                        daemon=False)
        process.start()
        self.logger.info(f"started worker pid {process.pid}")
        return process

    def run(self) -> int:
        """Supervise until a stop signal or too many crashes; return the exit code."""
        self._stop_signals.install()
        if self._health:
            self._health.start()
        self._workers = [self._spawn() for _ in range(self.process_count)]
        exit_code = 0
        while not self._wait(POLL_SECONDS):
            for index, process in enumerate(self._workers):
                if process.is_alive() or self._stopping:
                    continue
                code = process.exitcode
                if self._halted.value:
                    self.logger.info(f"worker pid {process.pid} halted with exit code {code}; stopping the others")
                    self._stopping = True
                    exit_code = code
                    break
                if code == 0:
                    self.logger.info(f"worker pid {process.pid} exited cleanly; stopping the others")
                    self._stopping = True
                    break
                if code == CONFIGURATION_ERROR_EXIT_CODE:
                    self.logger.error(f"worker pid {process.pid} found a configuration error (exit code {code}, "
                                      "see its message above); a restart cannot fix it: stopping the others")
                    self._stopping = True
                    exit_code = code
                    break
                if self._too_many_restarts():
                    self.logger.error(f"workers keep failing ({len(self._restarts)} restarts "
                                      f"in {self.restart_window_seconds:g}s); giving up")
                    self._stopping = True
                    exit_code = 1
                    break
                delay = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** (len(self._restarts) - 1))
                self.logger.warning(f"worker pid {process.pid} died with exit code {code}; restarting in {delay:.1f}s")
                if self._wait(delay):
                    break
                self._workers[index] = self._spawn()
        if self._stop_all() and exit_code == 0:
            exit_code = 1
        if self._health:
            self._health.stop()
        return exit_code

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` on the main thread; True once a stop was asked (by a signal or here)."""
        deadline = monotonic() + seconds
        while True:
            if self._stop_signals.take():
                self._stopping = True
            remaining = deadline - monotonic()
            if self._stopping or remaining <= 0:
                return self._stopping
            sleep(min(POLL_SECONDS, remaining))

    def _too_many_restarts(self) -> bool:
        now = monotonic()
        self._restarts = [when for when in self._restarts if now - when < self.restart_window_seconds]
        self._restarts.append(now)
        return len(self._restarts) > self.max_restarts

    def _stop_all(self) -> int:
        """
        Forward SIGTERM to every worker and wait for their graceful drain; forward a second one too.

        Returns how many workers had to be killed: their in-flight messages were not settled.

        """
        self._terminate_alive()
        deadline = monotonic() + self.shutdown_timeout
        while any(process.is_alive() for process in self._workers) and monotonic() < deadline:
            if self._stop_signals.take():
                self.logger.info("asked again: asking the workers to stop fast")
                self._terminate_alive()
            sleep(POLL_SECONDS)
        stuck = [process for process in self._workers if process.is_alive()]
        for process in stuck:
            self.logger.error(f"worker pid {process.pid} did not stop within {self.shutdown_timeout:g}s; "
                              "killing it (exit code 1)")
            process.kill()
            process.join()
        return len(stuck)

    def _terminate_alive(self) -> None:
        for process in self._workers:
            if process.is_alive():
                process.terminate()
