"""
Batch handlers in the consume engine: one call per batch, one result per message.

"""
import asyncio
import threading

import pytest
from engine_support import wait_until

from microcosm_pubsub.errors import BatchFailures, Drop, HaltConsumer, Nack, SkipMessage
from microcosm_pubsub.registry import BatchSpec


@pytest.fixture(params=["sync", "async"])
def batch_handler(request):
    """Wraps `decide(messages)` as a sync or an async batch handler recording each call's indexes."""
    def make(decide, calls):
        if request.param == "sync":
            def handle(messages):
                calls.append([message.content["index"] for message in messages])
                return decide(messages)
            return handle

        async def handle_async(messages):
            await asyncio.sleep(0)
            calls.append([message.content["index"] for message in messages])
            return decide(messages)
        return handle_async
    return make


def test_a_normal_return_settles_every_message_of_the_batch(make_engine, batch_handler):
    """25 messages, max_size 10: calls of at most 10, every message handled once and deleted."""
    calls = []
    rig = make_engine(batch_handler(lambda messages: None, calls), concurrency=2,
                      batch=BatchSpec(max_size=10, max_wait_seconds=0.2))
    rig.send(range(25))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 25)
    rig.stop()

    assert sorted(index for call in calls for index in call) == list(range(25))
    assert max(len(call) for call in calls) <= 10
    assert len(calls) < 25
    assert rig.engine.stats["succeeded"] == 25


def test_batch_failures_settle_the_named_messages_and_the_rest_succeed(make_engine, batch_handler):
    """Nack(60) retries one, SkipMessage deletes one as skipped, an error fails one; the others succeed."""
    def decide(messages):
        by_index = {message.content["index"]: message.message_id for message in messages}
        failures = {}
        if 0 in by_index:
            failures[by_index[0]] = Nack(60)
        if 1 in by_index:
            failures[by_index[1]] = SkipMessage("not needed")
        if 2 in by_index:
            failures[by_index[2]] = ValueError("bad row")
        if failures:
            raise BatchFailures(failures)

    calls = []
    rig = make_engine(batch_handler(decide, calls), concurrency=1, batch=BatchSpec(max_size=10, max_wait_seconds=0.5),
                      message_retry_visibility_timeout_seconds=60)
    rig.send(range(6))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 4 and rig.engine.stats["visibility_changed"] >= 2)
    rig.stop()

    stats = rig.engine.stats
    assert (stats["retried"], stats["skipped"], stats["failed"], stats["succeeded"]) == (1, 1, 1, 3)
    assert rig.depth() == 2


def test_any_other_exception_fails_the_whole_batch(make_engine, batch_handler):
    """An exception that is not BatchFailures retries every message of the batch by the backoff policy."""
    def decide(messages):
        raise RuntimeError("database down")

    calls = []
    rig = make_engine(batch_handler(decide, calls), concurrency=1, batch=BatchSpec(max_size=5, max_wait_seconds=0.5),
                      message_retry_visibility_timeout_seconds=60)
    rig.send(range(5))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["visibility_changed"] >= 5)
    rig.stop()

    assert rig.engine.stats["failed"] == 5
    assert rig.engine.stats["deleted"] == 0
    assert rig.depth() == 5


def test_a_partial_batch_waits_at_most_max_wait_seconds(make_engine, batch_handler):
    """3 messages and max_size 10: the batch of 3 goes to the handler once max_wait_seconds pass."""
    calls = []
    rig = make_engine(batch_handler(lambda messages: None, calls), concurrency=1,
                      batch=BatchSpec(max_size=10, max_wait_seconds=0.3))
    rig.send(range(3))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 3)
    rig.stop()

    assert sorted(index for call in calls for index in call) == [0, 1, 2]


def test_fifo_batches_keep_each_groups_order_within_and_across_batches(make_engine, batch_handler):
    """2 groups x 8 messages, max_size 4: every group's indexes arrive in send order, across calls."""
    calls = []
    seen = {}
    lock = threading.Lock()

    def decide(messages):
        with lock:
            for message in messages:
                seen.setdefault(message.content["group"], []).append(message.content["index"])

    rig = make_engine(batch_handler(decide, calls), concurrency=2, fifo=True,
                      batch=BatchSpec(max_size=4, max_wait_seconds=0.1))
    rig.send_interleaved("AB", per_group=8)

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 16, timeout=20)
    rig.stop()

    assert seen == {"A": list(range(8)), "B": list(range(8))}


def test_fifo_a_retried_message_holds_back_its_groups_followers_in_the_batch(make_engine, batch_handler):
    """Group A's message 1 is nacked: A's later messages in that batch are retried too, so A stays in order."""
    attempts = []

    def decide(messages):
        attempts.append([(m.content["group"], m.content["index"]) for m in messages])
        first = len(attempts) == 1
        failed = {m.message_id: Nack(0) for m in messages if first and m.content["index"] == 1}
        if failed:
            raise BatchFailures(failed)

    calls = []
    rig = make_engine(batch_handler(decide, calls), concurrency=1, fifo=True,
                      batch=BatchSpec(max_size=4, max_wait_seconds=0.1))
    rig.send([0, 1, 2, 3], group="A")

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 4, timeout=20)
    rig.stop()

    handled_last = [index for batch in attempts[1:] for _, index in batch]
    assert attempts[0] == [("A", 0), ("A", 1), ("A", 2), ("A", 3)]
    assert handled_last == [1, 2, 3]
    assert rig.engine.stats["succeeded"] == 4


def test_drop_and_halt_from_a_batch_handler(make_engine, batch_handler):
    """A Drop in BatchFailures deletes that message as dropped; HaltConsumer for the batch stops the engine."""
    def decide(messages):
        dropped = [m.message_id for m in messages if m.content["index"] == 0]
        if dropped:
            raise BatchFailures({dropped[0]: Drop("unwanted")})
        raise HaltConsumer(exit_code=5, reason="enough")

    calls = []
    rig = make_engine(batch_handler(decide, calls), concurrency=1, batch=BatchSpec(max_size=1, max_wait_seconds=0))
    rig.send([0])
    rig.start()
    assert wait_until(lambda: rig.engine.stats["dropped"] == 1)
    rig.send([1])

    assert rig.join() == 5
    assert rig.engine.stats["deleted"] == 2
