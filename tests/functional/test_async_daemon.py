"""
A daemon whose handler is `async def`, run as a subprocess on moto: many messages wait at once on
its event loop, and SIGTERM mid-run loses nothing and handles nothing twice.

"""
import re
import signal
from time import monotonic

from daemon_support import HERE


ASYNC_DAEMON = HERE / "daemons" / "async_recording_daemon.py"
SHUTDOWN_TIMEOUT = 10
LONG_VISIBILITY_TIMEOUT = 120


def test_sigterm_mid_run_of_an_async_daemon_loses_nothing_and_duplicates_nothing(
    make_broker, start_daemon, make_items, wait_for,
):
    """300 messages, handlers awaiting 50 ms at concurrency 50: SIGTERM after ~60; a second daemon drains the rest."""
    # Given 300 messages on a queue with a long visibility timeout, and an async daemon at concurrency 50
    broker = make_broker(VisibilityTimeout=str(LONG_VISIBILITY_TIMEOUT))
    published = make_items("async", 300)
    broker.publish_items(published)
    args = ("--sqs-queue-url", broker.queue_url, "--concurrency", "50", "--shutdown-timeout", str(SHUTDOWN_TIMEOUT))
    env = {"FUNCTIONAL_HANDLER_SLEEP_SECONDS": "0.05"}
    first = start_daemon(broker.endpoint_url, *args, env=env, script=ASYNC_DAEMON)

    # When it gets SIGTERM mid-run, while many coroutines are awaiting
    def in_flight() -> int:
        return len(first.handled("started")) - len(first.handled())

    # (between two received batches nothing may be awaiting: wait for a moment when many are)
    assert wait_for(lambda: (first.mid_run(60) and in_flight() > 1) or not first.alive(), timeout=30,
                    interval=0.005), first.output()
    in_flight_at_stop = len(first.handled("started")) - len(first.handled())
    stopped_at = monotonic()
    first.signal(signal.SIGTERM)
    exit_code = first.wait(timeout=SHUTDOWN_TIMEOUT + 10)
    exit_seconds = monotonic() - stopped_at
    handled_by_first = len(first.handled())
    released = re.search(r"returning (\d+) unstarted messages", first.stdout())

    # and a second async daemon drains what is left
    second = start_daemon(broker.endpoint_url, *args, env=env, script=ASYNC_DAEMON)
    outcome = start_daemon.finish(second, broker, published, timeout=30)

    # Then the first exited 0 in time after finishing its running coroutines, and nothing was lost or doubled
    print(f"\nasync SIGTERM stop: {in_flight_at_stop} in flight at the signal; first daemon handled "
          f"{handled_by_first}, released {released.group(1) if released else '?'} unstarted, exited {exit_code} in "
          f"{exit_seconds:.2f}s; second daemon: {outcome.summary()}")
    assert exit_code == 0, first.output()
    assert exit_seconds < SHUTDOWN_TIMEOUT
    assert in_flight_at_stop > 1
    assert 60 <= handled_by_first < len(published)
    assert not outcome.lost
    assert outcome.duplicates == 0, start_daemon.counts().most_common(5)
    assert outcome.emptied
    assert outcome.exit_code == 0, second.output()
