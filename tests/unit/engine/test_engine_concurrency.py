"""
The engine runs handlers on `concurrency` worker threads, and caps messages in flight.

"""
from threading import Barrier, BrokenBarrierError, Event, Lock

from engine_support import wait_until


def run_at_barrier(make_engine, concurrency, parties, timeout):
    """Handle `parties` messages whose handlers all wait at one barrier; return each outcome."""
    barrier, outcomes = Barrier(parties, timeout=timeout), []

    def handle(content):
        try:
            barrier.wait()
        except BrokenBarrierError:
            outcomes.append("broken")
            raise
        outcomes.append("passed")
        return True

    rig = make_engine(handle, concurrency=concurrency)
    rig.send(range(parties))
    rig.start()
    assert wait_until(lambda: len(outcomes) == parties, timeout=10)
    rig.stop()
    return outcomes, rig


def test_concurrency_overlaps_handlers(make_engine):
    """With concurrency 4, four handlers are inside at once: a 4-party barrier lets them all pass."""
    outcomes, rig = run_at_barrier(make_engine, concurrency=4, parties=4, timeout=5)

    assert outcomes == ["passed"] * 4
    assert rig.engine.stats["succeeded"] == 4
    assert rig.depth() == 0


def test_concurrency_one_handles_sequentially(make_engine):
    """With concurrency 1, a 2-party barrier never fills: handlers run one after another."""
    outcomes, rig = run_at_barrier(make_engine, concurrency=1, parties=2, timeout=0.5)

    assert outcomes == ["broken", "broken"]
    assert rig.engine.stats["succeeded"] == 0


def in_flight(rig):
    """Messages SQS counts as received and not yet deleted or made visible again."""
    attributes = rig.sqs.get_queue_attributes(
        QueueUrl=rig.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_in_flight_messages_never_exceed_concurrency_plus_prefetch(make_engine):
    """Held (received, unresolved) messages reach but never pass concurrency + one batch per receiver."""
    release, peaks, lock = Event(), [], Lock()
    rig = make_engine(lambda content: release.wait(10), concurrency=10, receivers=2)
    holdings = rig.engine.holdings
    original_add = holdings.add

    def observed_add(messages, reserved=0):
        original_add(messages, reserved=reserved)
        with lock:
            peaks.append(len(holdings))

    holdings.add = observed_add
    rig.send(range(45))
    cap = rig.engine.concurrency + rig.engine.receivers * rig.graph.sqs_consumer.limit

    rig.start()
    assert wait_until(lambda: len(holdings) == cap, timeout=10)
    assert not wait_until(lambda: len(holdings) > cap or in_flight(rig) > cap, timeout=0.5)
    assert in_flight(rig) == cap
    release.set()
    assert wait_until(lambda: rig.engine.stats["succeeded"] == 45, timeout=15)
    rig.stop()

    assert holdings.capacity == cap == 30
    assert max(peaks) == cap
    assert rig.depth() == 0
