"""
Broker faults, injected by `FaultProxy` between the daemon and moto: the daemon rides them out
without losing messages, without spinning, and resumes within seconds.

"""
from time import monotonic

import pytest
from fault_proxy import FaultProxy


OUTAGE_SECONDS = 5.0
MAX_OUTAGE_CPU_SECONDS = 1.0
MAX_RECOVERY_SECONDS = 10.0
LONG_POLL_SECONDS = 1  # sqs_consumer.wait_seconds


@pytest.fixture
def proxy(moto_endpoint):
    """A fault proxy in front of the session's moto server."""
    with FaultProxy(int(moto_endpoint.rsplit(":", 1)[1])) as fault_proxy:
        yield fault_proxy


def proxied(broker, proxy) -> str:
    """The broker's queue URL as seen through the proxy."""
    return broker.queue_url.replace(broker.endpoint_url, proxy.url)


@pytest.mark.parametrize("fault", ["refuse", "reset"])
def test_broker_outage_costs_no_messages_and_little_cpu(broker, proxy, start_daemon, make_items, wait_for, fault):
    """During a 5 s outage the daemon lives and idles; afterwards it handles everything within seconds."""
    # Given a daemon consuming through the proxy, which has handled a first batch
    daemon = start_daemon(proxy.url, "--sqs-queue-url", proxied(broker, proxy), "--concurrency", "2")
    before = make_items("before", 20)
    broker.publish_items(before)
    assert wait_for(lambda: set(daemon.handled()) >= set(before) or not daemon.alive(), timeout=30), daemon.output()

    # When the broker becomes unreachable for 5 s (refused or reset connections) while messages arrive
    # (once the long poll cut by the outage has ended at moto: messages moto hands to a cut connection
    # are hidden for the visibility timeout, as SQS would hide them, which is not what this measures)
    getattr(proxy, fault)()
    outage_started = monotonic()
    cpu_before = daemon.cpu_seconds()
    died = wait_for(lambda: not daemon.alive(), timeout=LONG_POLL_SECONDS + 0.5)
    during = make_items("during", 20)
    broker.publish_items(during)
    died = died or wait_for(lambda: not daemon.alive(), timeout=OUTAGE_SECONDS - (monotonic() - outage_started))
    outage_cpu = daemon.cpu_seconds() - cpu_before
    outage_seconds = monotonic() - outage_started

    # and then comes back, and more messages arrive
    proxy.restore()
    restored_at = monotonic()
    after = make_items("after", 20)
    broker.publish_items(after)
    outcome = start_daemon.finish(daemon, broker, before + during + after, timeout=30, started=restored_at)

    # Then it lived, idled, recovered in seconds, lost nothing and exited 0
    print(f"\noutage ({fault}, {outage_seconds:.1f}s): CPU {outage_cpu:.2f}s, "
          f"recovery {outcome.handled_seconds:.2f}s, {outcome.summary()}, "
          f"dropped connections={proxy.dropped_connections}")
    assert not died and outcome.alive, daemon.output()
    assert outage_cpu < MAX_OUTAGE_CPU_SECONDS
    assert outcome.handled_seconds < MAX_RECOVERY_SECONDS, daemon.output()
    assert not outcome.lost, sorted(outcome.lost)
    assert outcome.duplicates == 0
    assert outcome.emptied
    assert outcome.exit_code == 0, daemon.output()
    assert daemon.stdout().count("cannot receive from SQS") == 1, daemon.stdout()
    assert daemon.stdout().count("SQS answers again") == 1, daemon.stdout()


def test_sigterm_during_an_outage_exits_0_and_loses_nothing(broker, proxy, start_daemon, make_items, wait_for):
    """A daemon stopped while the broker is unreachable exits 0 in bounded time; a later daemon gets every message."""
    # Given a daemon consuming through the proxy, and a broker that has become unreachable
    daemon = start_daemon(proxy.url, "--sqs-queue-url", proxied(broker, proxy), "--shutdown-timeout", "5")
    assert daemon.wait_until_consuming(), daemon.output()
    proxy.refuse()
    # (messages published once the long poll cut by the outage has ended at moto)
    assert not wait_for(lambda: not daemon.alive(), timeout=LONG_POLL_SECONDS + 0.5), daemon.output()
    published = make_items("outage", 10)
    broker.publish_items(published)
    assert wait_for(lambda: "cannot receive from SQS" in daemon.stdout() or not daemon.alive(), timeout=10)

    # When it gets SIGTERM during the outage
    stopped_at = monotonic()
    daemon.signal()
    exit_code = daemon.wait(timeout=40)
    exit_seconds = monotonic() - stopped_at

    # Then it exits 0 in bounded time, and once the broker is back another daemon handles everything
    proxy.restore()
    later = start_daemon(proxy.url, "--sqs-queue-url", proxied(broker, proxy))
    outcome = start_daemon.finish(later, broker, published, timeout=20)
    print(f"\nSIGTERM during outage: exit {exit_code} in {exit_seconds:.2f}s; later daemon: {outcome.summary()}")
    assert exit_code == 0, daemon.output()
    assert exit_seconds < 15, daemon.output()
    assert not outcome.lost and outcome.duplicates == 0
    assert outcome.emptied
    assert outcome.exit_code == 0, later.output()


def test_throttling_and_503_answers_cost_no_messages(broker, proxy, start_daemon, make_items, wait_for):
    """With a quarter of each kind of request (publish, receive, delete) throttled or 503, nothing is lost."""
    # Given a proxy that answers 1 in 4 requests of each operation with ThrottlingException (400) or
    # ServiceUnavailable (503), in turn
    proxy.fail_share(0.25)
    # and a daemon consuming through it
    daemon = start_daemon(proxy.url, "--sqs-queue-url", proxied(broker, proxy), "--concurrency", "4")

    # When 60 messages are published through the same proxy
    published = make_items("throttled", 60)
    started = monotonic()
    broker.publish_items(published, endpoint_url=proxy.url)
    outcome = start_daemon.finish(daemon, broker, published, timeout=60, started=started)

    # Then every message was handled, the daemon lived and exited 0, and faults were really injected
    print(f"\nthrottling 25%: injected {dict(proxy.injected)}, forwarded {dict(proxy.forwarded)}; "
          f"published and handled in {outcome.handled_seconds:.2f}s, {outcome.summary()}")
    assert outcome.alive, daemon.output()
    assert not outcome.lost, sorted(outcome.lost)
    assert outcome.duplicates == 0
    assert outcome.emptied
    assert outcome.exit_code == 0, daemon.output()
    for operation in ("Publish", "ReceiveMessage", "DeleteMessageBatch"):
        assert proxy.injected[operation] > 0, operation
