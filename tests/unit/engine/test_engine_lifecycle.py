"""
The engine over time: heartbeats for slow handlers, releasing prefetched messages at stop,
backing off from a failing broker, and halting on a handler's request.

"""
import logging
from json import loads
from threading import Event
from unittest.mock import MagicMock

import pytest
from botocore.exceptions import EndpointConnectionError
from engine_support import wait_until

from microcosm_pubsub.errors import HaltConsumer


def slow_first_delivery(deliveries, redelivered):
    """A handler whose first delivery waits (up to 5 s) for a redelivery, which returns at once."""
    def handle(content):
        deliveries.append(content["index"])
        if len(deliveries) == 1:
            redelivered.wait(5)
        else:
            redelivered.set()
        return True
    return handle


def test_heartbeat_keeps_a_slow_message_from_redelivery(make_engine):
    """A handler running 5 s on a 2 s visibility queue has its message extended, never redelivered."""
    deliveries, redelivered = [], Event()
    rig = make_engine(slow_first_delivery(deliveries, redelivered), concurrency=2,
                      queue_attributes=dict(VisibilityTimeout="2"))
    rig.send([0])

    rig.start()
    assert wait_until(lambda: rig.engine.stats["succeeded"] == 1, timeout=10)
    rig.stop()

    assert deliveries == [0]
    assert not redelivered.is_set()
    assert rig.engine.stats["extended"] >= 1
    assert rig.depth() == 0


def test_without_heartbeat_a_slow_message_is_redelivered(make_engine):
    """Control: past `heartbeat_max_seconds` nothing is extended and SQS redelivers mid-run."""
    deliveries, redelivered = [], Event()
    rig = make_engine(slow_first_delivery(deliveries, redelivered), concurrency=2,
                      queue_attributes=dict(VisibilityTimeout="2"), heartbeat_max_seconds=1)
    rig.send([0])

    rig.start()
    assert wait_until(lambda: rig.engine.stats["succeeded"] == 2, timeout=10)
    rig.stop()

    assert deliveries == [0, 0]
    assert redelivered.is_set()
    assert rig.engine.stats["extended"] == 0


def test_unstarted_messages_are_released_at_stop(make_engine):
    """At stop, prefetched messages no handler started become visible to another consumer at once."""
    started, finish, handled = Event(), Event(), []

    def handle(content):
        handled.append(content["index"])
        started.set()
        finish.wait(10)
        return True

    rig = make_engine(handle, concurrency=1)
    rig.send(range(5))
    rig.start()
    assert wait_until(lambda: started.is_set() and len(rig.engine.holdings) == 5, timeout=10)

    rig.engine.request_stop()
    assert wait_until(lambda: rig.engine.stats["released"] == 4, timeout=10)
    # the resolver empties its pending list before its ChangeMessageVisibilityBatch returns:
    # read as another consumer until the four are visible, not just once
    other = []
    wait_until(lambda: other.extend(
        rig.sqs.receive_message(QueueUrl=rig.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    ) or len(other) >= 4, timeout=10)
    finish.set()
    assert rig.join() == 0

    assert handled == [0]
    assert sorted(loads(raw["Body"])["index"] for raw in other) == [1, 2, 3, 4]


def flaky_receive(client, broken, calls):
    """A `wrap_client` whose ReceiveMessage fails with a connection error while `broken` is set."""
    def receive_message(**kwargs):
        calls.append(1)
        if broken.is_set():
            raise EndpointConnectionError(endpoint_url="http://sqs.unreachable.invalid")
        return client.receive_message(**kwargs)

    spied = MagicMock(wraps=client)
    spied.receive_message.side_effect = receive_message
    return spied


def test_poller_backs_off_while_receive_fails_and_resumes(make_engine, recording_handler, handled, caplog):
    """While ReceiveMessage raises, the poller retries a few times with backoff, then resumes."""
    broken, calls = Event(), []
    broken.set()
    rig = make_engine(recording_handler, wrap_client=lambda client: flaky_receive(client, broken, calls))

    with caplog.at_level(logging.INFO, logger="microcosm_pubsub.engine"):
        rig.start()
        assert not wait_until(lambda: len(calls) >= 10, timeout=2)
        assert rig.thread.is_alive() and rig.engine.poller.is_turning(within_seconds=10)
        assert rig.engine.stats["receive_errors"] >= 2
        broken.clear()
        rig.send([7])
        assert wait_until(lambda: handled.indexes() == [7], timeout=10)
        rig.stop()

    messages = [record.getMessage() for record in caplog.records]
    assert sum("cannot receive from SQS" in message for message in messages) == 1
    assert any("SQS answers again" in message for message in messages)
    assert rig.depth() == 0


@pytest.mark.parametrize("requeue, left_in_queue", [(False, 0), (True, 1)])
def test_halt_consumer_stops_with_its_exit_code(make_engine, requeue, left_in_queue):
    """HaltConsumer(exit_code=3) makes run() return 3; its message is deleted unless requeued."""
    def handle(content):
        raise HaltConsumer(exit_code=3, reason="maintenance", requeue=requeue)

    rig = make_engine(handle)
    rig.send([0])

    rig.start()
    assert rig.join() == 3

    assert rig.depth() == left_in_queue
    assert rig.engine.stats["deleted"] == 1 - left_in_queue
    if requeue:
        [raw] = rig.sqs.receive_message(QueueUrl=rig.queue_url).get("Messages", [])
        assert loads(raw["Body"])["index"] == 0
