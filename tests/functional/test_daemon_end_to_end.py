"""
A daemon subprocess consumes what `graph.sns_producer` publishes through SNS into SQS.

"""
import signal

import pytest


@pytest.mark.parametrize("concurrency, stop_signal", [
    (None, signal.SIGTERM), ("4", signal.SIGTERM), ("4", signal.SIGINT),
])
def test_daemon_handles_each_published_message_once(broker, start_daemon, make_items, concurrency, stop_signal):
    """Fifty messages published to the topic are each handled exactly once, and SIGTERM (or SIGINT) exits 0."""
    # Given fifty messages published through the producer to a topic the queue subscribes to
    published = make_items("e2e", 50)
    broker.publish_items(published)

    # When a daemon consumes the queue
    args = ["--sqs-queue-url", broker.queue_url]
    if concurrency:
        args += ["--concurrency", concurrency]
    daemon = start_daemon(broker.endpoint_url, *args)
    outcome = start_daemon.finish(daemon, broker, published, timeout=30, stop_signal=stop_signal)

    # Then every message was handled exactly once, the queue is empty and the daemon exited cleanly
    print(f"\nend to end, concurrency {concurrency or 1}, {stop_signal.name}: "
          f"handled in {outcome.handled_seconds:.2f}s, {outcome.summary()}")
    assert sorted(start_daemon.counts()) == sorted(published), daemon.output()
    assert set(start_daemon.counts().values()) == {1}
    assert outcome.emptied
    assert outcome.exit_code == 0, daemon.output()


@pytest.mark.parametrize("args, named", [
    ((), ("sqs_queue_url", "FUNCTIONAL__SQS_CONSUMER__SQS_QUEUE_URL")),
    (("--sqs-queue-url", "http://127.0.0.1:9/123456789012/any", "--concurrency", "0"), ("concurrency",)),
])
def test_misconfigured_daemon_exits_2_naming_the_setting(moto_endpoint, start_daemon, args, named):
    """A daemon with no queue URL, or no workers, fails fast with exit code 2 naming the setting (and env var)."""
    # Given no --sqs-queue-url and no FUNCTIONAL__SQS_CONSUMER__SQS_QUEUE_URL (the launcher drops it),
    # or --concurrency 0
    daemon = start_daemon(moto_endpoint, *args)

    # When it starts
    exit_code = daemon.wait(timeout=30)

    # Then it exits 2 and says what to set
    stderr = daemon.stderr()
    assert exit_code == 2, daemon.output()
    for name in named:
        assert name in stderr
    assert "Traceback" not in stderr


def test_handler_outlasting_the_visibility_timeout_is_not_redelivered(make_broker, start_daemon, make_items, wait_for):
    """A 5 s handler on a 2 s visibility timeout keeps its message (heartbeat): a second daemon never gets it."""
    # Given a queue with a 2 s visibility timeout and two daemons consuming it, one message taking 5 s
    broker = make_broker(VisibilityTimeout="2")
    [slow] = make_items("slow", 1)
    broker.publish_items([slow], behaviour="slow")
    env = {"FUNCTIONAL_SLOW_SECONDS": "5"}
    daemons = [start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, env=env) for _ in range(2)]

    # When the message is handled
    assert wait_for(lambda: start_daemon.counts() or not all(daemon.alive() for daemon in daemons), timeout=30)
    emptied = broker.wait_until_empty(timeout=5)
    exit_codes = [daemon.stop(timeout=30) for daemon in daemons]

    # Then it was started and handled once, by one daemon, and deleted
    assert start_daemon.counts("started") == {slow: 1}
    assert start_daemon.counts() == {slow: 1}
    assert emptied
    assert exit_codes == [0, 0], [daemon.output() for daemon in daemons]
