"""SIGHUP is counted as a stop signal, like SIGTERM and SIGINT."""
import os
import signal

import pytest

from microcosm_pubsub.stop_signals import StopSignals


@pytest.fixture
def restored_handlers():
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_each_stop_signal_is_counted_instead_of_ending_the_process(restored_handlers, signum):
    """A stop signal sent to this process is counted once, for the main loop to turn into a drain."""
    stop_signals = StopSignals().install()

    os.kill(os.getpid(), signum)

    assert stop_signals.take() == 1
    assert stop_signals.take() == 0
