"""
A daemon killed with SIGKILL loses nothing: what it held comes back after the visibility timeout.

"""
import signal
from time import monotonic


CONCURRENCY = 4
VISIBILITY_TIMEOUT = 2


def test_kill_9_mid_run_loses_nothing_and_bounds_duplicates(make_broker, start_daemon, make_items, wait_for):
    """After kill -9 mid-run a second daemon drains the queue: zero lost, duplicates at most what was in flight."""
    # Given 200 messages on a queue with a 2 s visibility timeout, and a daemon handling four at a time
    broker = make_broker(VisibilityTimeout=str(VISIBILITY_TIMEOUT))
    published = make_items("crash", 200)
    broker.publish_items(published)
    args = ("--sqs-queue-url", broker.queue_url, "--concurrency", str(CONCURRENCY))
    env = {"FUNCTIONAL_HANDLER_SLEEP_SECONDS": "0.02"}
    first = start_daemon(broker.endpoint_url, *args, env=env)

    # When it is killed with SIGKILL while handlers run, after about 50 were handled
    assert wait_for(lambda: first.mid_run(50) or not first.alive(), timeout=30, interval=0.01), first.output()
    first.signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    handled_by_first = len(first.handled())

    # and a second daemon drains the queue (what the first held reappears after 2 s)
    killed_at = monotonic()
    second = start_daemon(broker.endpoint_url, *args, env=env)
    outcome = start_daemon.finish(second, broker, published, timeout=40, started=killed_at)

    # Then nothing was lost, and duplicates are bounded by what can be in flight (workers + prefetch)
    print(f"\nkill -9: first daemon handled {handled_by_first}; second drained the rest "
          f"{outcome.handled_seconds:.2f}s after the kill; {outcome.summary()} (bound {2 * CONCURRENCY + 10})")
    assert not outcome.lost, sorted(outcome.lost)
    assert outcome.duplicates <= 2 * CONCURRENCY + 10
    assert outcome.emptied
    assert outcome.exit_code == 0, second.output()
