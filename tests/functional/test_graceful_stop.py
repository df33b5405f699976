"""
SIGTERM stops a daemon in order: nothing lost, nothing handled twice; a second signal stops it fast.

"""
import re
import signal
from time import monotonic


SHUTDOWN_TIMEOUT = 10
LONG_VISIBILITY_TIMEOUT = 120


def test_sigterm_mid_run_loses_nothing_and_duplicates_nothing(make_broker, start_daemon, make_items, wait_for):
    """SIGTERM after ~50 of 200 messages exits 0 in time; a second daemon drains the rest, each handled once."""
    # Given 200 messages on a queue with a long visibility timeout (a message the first daemon kept
    # would not come back in this test), and a daemon whose handler takes ~20 ms, four at a time
    broker = make_broker(VisibilityTimeout=str(LONG_VISIBILITY_TIMEOUT))
    published = make_items("stop", 200)
    broker.publish_items(published)
    args = ("--sqs-queue-url", broker.queue_url, "--concurrency", "4", "--shutdown-timeout", str(SHUTDOWN_TIMEOUT))
    env = {"FUNCTIONAL_HANDLER_SLEEP_SECONDS": "0.02"}
    first = start_daemon(broker.endpoint_url, *args, env=env)

    # When it gets SIGTERM mid-run: after 50 were handled, while handlers are running
    assert wait_for(lambda: first.mid_run(50) or not first.alive(), timeout=30, interval=0.01), first.output()
    stopped_at = monotonic()
    first.signal(signal.SIGTERM)
    exit_code = first.wait(timeout=SHUTDOWN_TIMEOUT + 10)
    exit_seconds = monotonic() - stopped_at
    handled_by_first = len(first.handled())
    released = re.search(r"returning (\d+) unstarted messages", first.stdout())

    # and a second daemon drains what is left (the first returned its unstarted messages at once)
    second = start_daemon(broker.endpoint_url, *args, env=env)
    outcome = start_daemon.finish(second, broker, published, timeout=20)

    # Then the first exited 0 within the shutdown timeout, and no message was lost or handled twice
    print(f"\nSIGTERM stop: first daemon handled {handled_by_first}, released "
          f"{released.group(1) if released else '?'} unstarted, exited {exit_code} in {exit_seconds:.2f}s; "
          f"second daemon: {outcome.summary()}")
    assert exit_code == 0, first.output()
    assert exit_seconds < SHUTDOWN_TIMEOUT
    assert 50 <= handled_by_first < len(published)
    assert not outcome.lost
    assert outcome.duplicates == 0, start_daemon.counts().most_common(5)
    assert outcome.emptied
    assert outcome.exit_code == 0, second.output()


def start_stuck_daemon(make_broker, start_daemon, make_items, wait_for, shutdown_timeout: str):
    """A daemon running a 10 s handler, on a queue whose visibility timeout outlasts the test."""
    broker = make_broker(VisibilityTimeout=str(LONG_VISIBILITY_TIMEOUT))
    [slow] = make_items("slow", 1)
    broker.publish_items([slow], behaviour="slow")
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url,
                          "--shutdown-timeout", shutdown_timeout, env={"FUNCTIONAL_SLOW_SECONDS": "10"})
    assert wait_for(lambda: daemon.handled("started") or not daemon.alive(), timeout=30), daemon.output()
    return broker, slow, daemon


def test_second_sigterm_stops_fast_and_releases_the_running_message(make_broker, start_daemon, make_items, wait_for):
    """A second SIGTERM stops a daemon whose handler sleeps 10 s well before then; a later daemon handles it."""
    # Given a daemon (30 s shutdown timeout) running a handler that takes 10 s
    broker, slow, first = start_stuck_daemon(make_broker, start_daemon, make_items, wait_for, shutdown_timeout="30")

    # When it gets SIGTERM, starts waiting for the handler, then gets a second SIGTERM
    stopped_at = monotonic()
    first.signal(signal.SIGTERM)
    assert wait_for(lambda: "waiting up to" in first.stdout() or not first.alive(), timeout=10), first.output()
    second_signal_at = monotonic()
    first.signal(signal.SIGTERM)
    exit_code = first.wait(timeout=15)
    exited_at = monotonic()

    # Then it exited well before the handler's 10 s
    print(f"\nsecond SIGTERM: exit code {exit_code}, {exited_at - stopped_at:.2f}s after the first signal, "
          f"{exited_at - second_signal_at:.2f}s after the second")
    assert exit_code is not None, first.output()
    assert exited_at - stopped_at < 6, first.output()
    assert not first.handled()

    # and a later daemon handles the released message at once (no visibility timeout to wait out)
    later = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url)
    outcome = start_daemon.finish(later, broker, [slow], timeout=10)
    assert not outcome.lost and outcome.duplicates == 0 and outcome.emptied
    assert outcome.exit_code == 0, later.output()


def test_shutdown_timeout_bounds_the_wait_for_a_stuck_handler(make_broker, start_daemon, make_items, wait_for):
    """With --shutdown-timeout 2 one SIGTERM stops a daemon stuck in a 10 s handler in ~2 s, releasing its message."""
    # Given a daemon with a 2 s shutdown timeout running a handler that takes 10 s
    broker, stuck, first = start_stuck_daemon(make_broker, start_daemon, make_items, wait_for, shutdown_timeout="2")

    # When it gets one SIGTERM
    stopped_at = monotonic()
    exit_code = first.stop(timeout=15)
    exit_seconds = monotonic() - stopped_at

    # Then it gave up on the handler after the timeout, exited 0, and a later daemon handles the message
    later = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url)
    outcome = start_daemon.finish(later, broker, [stuck], timeout=10)
    print(f"\nshutdown timeout 2s: exit {exit_code} in {exit_seconds:.2f}s; later daemon: {outcome.summary()}")
    assert exit_code == 0, first.output()
    assert 2 <= exit_seconds < 6, first.output()
    assert not outcome.lost and outcome.duplicates == 0
    assert outcome.exit_code == 0
