"""
Resolution: deletes go out as DeleteMessageBatch calls, are flushed on stop, and every `Failed`
entry of a batch answer is retried with its receipt handle or reported.

"""
import logging
from unittest.mock import MagicMock

from engine_support import wait_until


def spy(client):
    """The client wrapped in a MagicMock that records every call and delegates it."""
    return MagicMock(wraps=client)


class FailingDeletes:
    """A `delete_message_batch` that answers one entry as Failed (`times` times), sending the rest."""

    def __init__(self, client, times):
        self.client = client
        self.times = times
        self.victim = None
        self.calls = []

    def __call__(self, QueueUrl, Entries):
        self.calls.append([entry["ReceiptHandle"] for entry in Entries])
        if self.victim is None:
            self.victim = Entries[0]["ReceiptHandle"]
        failing = [entry for entry in Entries if entry["ReceiptHandle"] == self.victim and self.times > 0]
        if not failing:
            return self.client.delete_message_batch(QueueUrl=QueueUrl, Entries=Entries)
        self.times -= 1
        rest = [entry for entry in Entries if entry not in failing]
        response = self.client.delete_message_batch(QueueUrl=QueueUrl, Entries=rest) if rest else {}
        response["Failed"] = [dict(Id=failing[0]["Id"], SenderFault=False, Code="InternalError",
                                   Message="try again")]
        return response

    def attempts_on_victim(self):
        return sum(handles.count(self.victim) for handles in self.calls)


def with_failing_deletes(times):
    """A `wrap_client` spying on the client, its `delete_message_batch` a `FailingDeletes`."""
    def wrap(client):
        spied = spy(client)
        spied.delete_message_batch.side_effect = FailingDeletes(client, times)
        return spied
    return wrap


def drain(rig, count, timeout=15):
    """Start the engine, wait until `count` messages are handled and resolved, and stop it."""
    stats = rig.engine.stats
    rig.start()
    assert wait_until(lambda: stats["succeeded"] == count and rig.engine.resolver.pending == 0
                      and stats["deleted"] + stats["resolve_failed"] >= count, timeout=timeout)
    rig.stop()


def test_deletes_are_batched(make_engine, recording_handler, handled):
    """50 handled messages cost at most 10 DeleteMessageBatch calls and no single DeleteMessage."""
    rig = make_engine(recording_handler, concurrency=4, wrap_client=spy)
    rig.send(range(50))

    drain(rig, 50)

    client = rig.graph.sqs_consumer.sqs_client
    assert 5 <= client.delete_message_batch.call_count <= 10
    assert client.delete_message.call_count == 0
    assert client.change_message_visibility.call_count == 0
    assert sorted(handled.indexes()) == list(range(50))
    assert rig.depth() == 0


def test_receive_and_delete_calls_per_message_stay_low(make_engine, recording_handler):
    """Draining 200 messages with concurrency 8 costs at most 0.22 ReceiveMessage + DeleteMessageBatch calls each."""
    rig = make_engine(recording_handler, concurrency=8, wrap_client=spy, wait_seconds=1)
    rig.send(range(200))
    client = rig.graph.sqs_consumer.sqs_client
    stats = rig.engine.stats

    rig.start()
    assert wait_until(lambda: stats["deleted"] == 200, timeout=20)
    calls = client.receive_message.call_count + client.delete_message_batch.call_count
    rig.stop()

    assert calls / 200 <= 0.22, f"{calls} calls for 200 messages"
    assert rig.depth() == 0


def test_pending_deletes_are_flushed_on_stop(make_engine, recording_handler):
    """With a 30 s flush interval, deletes still pending at stop are sent before run() returns."""
    rig = make_engine(recording_handler, wrap_client=spy, flush_interval_seconds=30)
    rig.send(range(3))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["succeeded"] == 3, timeout=10)
    assert rig.engine.resolver.pending == 3
    assert rig.depth() == 3
    rig.stop()

    assert rig.graph.sqs_consumer.sqs_client.delete_message_batch.call_count == 1
    assert rig.engine.stats["deleted"] == 3
    assert rig.depth() == 0


def test_failed_delete_entry_is_retried_with_its_receipt_handle(make_engine, recording_handler, handled):
    """A Failed entry in a successful DeleteMessageBatch answer is sent again, and its message deleted."""
    rig = make_engine(recording_handler, wrap_client=with_failing_deletes(times=1))
    rig.send(range(5))

    drain(rig, 5)

    deletes = rig.graph.sqs_consumer.sqs_client.delete_message_batch.side_effect
    assert deletes.attempts_on_victim() == 2
    assert deletes.victim in deletes.calls[-1]
    assert rig.engine.stats["deleted"] == 5
    assert rig.engine.stats["resolve_failed"] == 0
    assert sorted(handled.indexes()) == list(range(5))
    assert rig.depth() == 0


def test_delete_entry_that_keeps_failing_is_reported_and_nothing_else_lost(
    make_engine, recording_handler, handled, caplog,
):
    """An entry that fails every attempt is logged and counted; the other messages are deleted."""
    rig = make_engine(recording_handler, wrap_client=with_failing_deletes(times=99))
    rig.send(range(5))

    with caplog.at_level(logging.ERROR, logger="microcosm_pubsub.engine"):
        drain(rig, 5)

    deletes = rig.graph.sqs_consumer.sqs_client.delete_message_batch.side_effect
    assert deletes.attempts_on_victim() == rig.engine.resolver.max_attempts
    assert rig.engine.stats["resolve_failed"] == 1
    assert rig.engine.stats["deleted"] == 4
    [report] = [record for record in caplog.records if "could not delete message" in record.getMessage()]
    assert report.levelno == logging.ERROR
    assert "InternalError" in report.getMessage()
    assert sorted(handled.indexes()) == list(range(5))
    assert rig.depth() == 1
