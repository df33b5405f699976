"""SIGTERM/SIGINT reach the engine through `StopSignals`: a first one drains, a second one stops fast."""
import os
from signal import SIGINT, SIGTERM, getsignal, signal
from threading import Event, Thread

import pytest
from engine_support import wait_until

from microcosm_pubsub.stop_signals import StopSignals


@pytest.fixture
def stop_signals():
    """StopSignals installed for this process; the previous handlers come back afterwards."""
    previous = {signum: getsignal(signum) for signum in (SIGTERM, SIGINT)}
    yield StopSignals().install()
    for signum, handler in previous.items():
        signal(signum, handler)


def send(stop_signals: StopSignals, signum: int = SIGTERM) -> None:
    """Signal this process and wait until its handler (on this, the main thread) has counted it."""
    before = stop_signals.received
    os.kill(os.getpid(), signum)
    assert wait_until(lambda: stop_signals.received > before, timeout=5)


def test_signals_are_counted_and_taken_once(stop_signals):
    send(stop_signals, SIGTERM)
    send(stop_signals, SIGINT)

    assert stop_signals.take() == 2
    assert stop_signals.take() == 0


def test_installing_outside_the_main_thread_leaves_the_handlers_alone():
    """A daemon run from another thread cannot take the process's signals, and does not fail trying."""
    before = getsignal(SIGTERM)
    errors = []

    def install():
        try:
            StopSignals().install()
        except Exception as error:
            errors.append(error)

    thread = Thread(target=install)
    thread.start()
    thread.join(10)

    assert errors == []
    assert getsignal(SIGTERM) is before


def test_a_signal_while_the_main_thread_holds_the_stop_lock_still_stops(make_engine, recording_handler, handled,
                                                                        stop_signals):
    """
    The handler runs on the main thread, here while that thread holds the lock inside the engine's
    stop event (as it does for an instant on every turn of a wait): it must not need that lock.
    """
    rig = make_engine(recording_handler)
    rig.send(range(3))
    rig.start(stop_signals)
    assert wait_until(lambda: len(handled) == 3)

    with rig.engine._stop_requested._cond:
        send(stop_signals)

    assert rig.join(10) == 0
    assert wait_until(lambda: rig.depth() == 0)


def test_a_second_signal_releases_a_running_handler_s_message(make_engine, stop_signals):
    """The first signal waits for running handlers (shutdown timeout 30 s); the second gives up on them."""
    started, release = Event(), Event()

    def stuck(content: dict) -> bool:
        started.set()
        release.wait(30)
        return True

    rig = make_engine(stuck, shutdown_timeout=30)
    rig.send([0])
    rig.start(stop_signals)
    assert started.wait(10)

    send(stop_signals)
    assert wait_until(lambda: rig.engine.draining)
    send(stop_signals)

    assert rig.join(10) == 0
    visible = rig.sqs.receive_message(QueueUrl=rig.queue_url, WaitTimeSeconds=0).get("Messages", [])
    assert len(visible) == 1, "the abandoned message is visible to other consumers at once"
    release.set()


def test_a_second_signal_does_not_wait_out_a_long_poll(make_engine, recording_handler, stop_signals):
    """A graceful stop lets an in-flight 20 s receive return; a second signal stops without waiting for it."""
    rig = make_engine(recording_handler, wait_seconds=20)
    rig.start(stop_signals)
    assert wait_until(lambda: rig.engine.pollers[0].is_turning(5))

    send(stop_signals)
    assert wait_until(lambda: rig.engine.draining)
    send(stop_signals)

    assert rig.join(10) == 0
