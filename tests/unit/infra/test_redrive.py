"""
`pubsub dlq redrive`: dead letters go back, by SQS move task or by receive, send, delete.

"""
import io
from time import monotonic

import pytest
from botocore.stub import Stubber
from infra_sample import AUDIT_LOGIN, ORDER_PLACED
from infra_support import drain, make_queue_pair

from microcosm_pubsub.infra import redrive
from microcosm_pubsub.infra.aws import InfraError
from microcosm_pubsub.main import main


def fill(account, url, bodies, media_type=ORDER_PLACED, group=None):
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(index), "MessageBody": body,
                    "MessageAttributes": {"media_type": {"DataType": "String", "StringValue": media_type}},
                    **({"MessageGroupId": group(body), "MessageDeduplicationId": body} if group else {})}
                   for index, body in enumerate(bodies[start:start + 10])]
        account.sqs.send_message_batch(QueueUrl=url, Entries=entries)


def test_whole_dlq_goes_back_to_its_source_with_attributes(account):
    """moto has no move task, so messages are received, sent and deleted; none is lost."""
    queue, dlq = make_queue_pair(account.sqs, "orders")
    bodies = [f"order-{index}" for index in range(25)]
    fill(account, dlq, bodies)
    summary = redrive(account.sqs, "orders-dlq", wait_seconds=0, stream=io.StringIO())
    assert (summary.moved, summary.skipped, summary.failed) == (25, 0, 0)
    assert summary.method == "receive, send, delete"
    moved = drain(account.sqs, queue)
    assert sorted(raw["Body"] for raw in moved) == sorted(bodies)
    assert {raw["MessageAttributes"]["media_type"]["StringValue"] for raw in moved} == {ORDER_PLACED}
    assert drain(account.sqs, dlq) == []


def test_media_type_filter_and_max_leave_the_rest_visible_in_the_dlq(account):
    """Skipped messages are made visible again at the end; --max stops after N."""
    queue, dlq = make_queue_pair(account.sqs, "mixed")
    fill(account, dlq, [f"order-{index}" for index in range(6)])
    fill(account, dlq, [f"audit-{index}" for index in range(4)], media_type=AUDIT_LOGIN)
    summary = redrive(account.sqs, dlq, media_type="application/vnd.infra-test.audit.*", wait_seconds=0,
                      stream=io.StringIO())
    assert (summary.moved, summary.skipped) == (4, 6)
    assert sorted(raw["Body"] for raw in drain(account.sqs, queue)) == [f"audit-{index}" for index in range(4)]
    limited = redrive(account.sqs, dlq, target=queue, max_messages=4, wait_seconds=0, stream=io.StringIO())
    assert limited.moved == 4
    assert len(drain(account.sqs, queue)) == 4 and len(drain(account.sqs, dlq)) == 2


def test_fifo_keeps_group_ids_and_order(account):
    """Each group comes back in its order, under its own group id."""
    queue, dlq = make_queue_pair(account.sqs, "ledger", fifo=True)
    bodies = [f"{group}-{index}" for index in range(4) for group in "abc"]
    fill(account, dlq, bodies, group=lambda body: body[0])
    summary = redrive(account.sqs, dlq, wait_seconds=0, stream=io.StringIO())
    assert summary.moved == 12
    moved = drain(account.sqs, queue)
    for group in "abc":
        in_group = [raw for raw in moved if raw["Attributes"]["MessageGroupId"] == group]
        assert [raw["Body"] for raw in in_group] == [f"{group}-{index}" for index in range(4)]


def test_rate_limits_messages_per_second(account):
    """--rate 40 moves 20 messages in no less than half a second."""
    queue, dlq = make_queue_pair(account.sqs, "slow")
    fill(account, dlq, [f"slow-{index}" for index in range(20)])
    started = monotonic()
    assert redrive(account.sqs, dlq, rate=40, wait_seconds=0, stream=io.StringIO()).moved == 20
    assert monotonic() - started >= 0.45


def test_no_source_queue_asks_for_to(account):
    """A queue that is nobody's DLQ needs --to."""
    account.sqs.create_queue(QueueName="orphan")
    with pytest.raises(InfraError, match="dead-letter queue of no queue: pass --to"):
        redrive(account.sqs, "orphan", wait_seconds=0)


class FailingFirstSend:
    """An SQS client whose SendMessageBatch reports its first entry as failed."""

    def __init__(self, sqs):
        self.sqs = sqs

    def __getattr__(self, name):
        return getattr(self.sqs, name)

    def send_message_batch(self, QueueUrl, Entries):
        response = self.sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:]) if Entries[1:] else {}
        failed = [{"Id": Entries[0]["Id"], "Code": "InternalError", "SenderFault": False, "Message": "try again"}]
        return {"Successful": response.get("Successful", []), "Failed": failed}


def test_an_unsent_message_stays_in_the_dlq_and_counts_as_failed(account):
    """Nothing is deleted that was not sent; the summary says why."""
    queue, dlq = make_queue_pair(account.sqs, "flaky")
    fill(account, dlq, ["one", "two", "three"])
    summary = redrive(FailingFirstSend(account.sqs), dlq, wait_seconds=0, stream=io.StringIO())
    assert (summary.moved, summary.failed) == (2, 1)
    assert "InternalError" in summary.line()
    assert len(drain(account.sqs, dlq)) == 1 and len(drain(account.sqs, queue)) == 2


def test_move_task_when_the_broker_has_it(core_aws_env):
    """The whole DLQ back to its source: SQS moves it, progress is read from ListMessageMoveTasks."""
    import boto3

    sqs = boto3.client("sqs")
    source, dlq = "https://sqs.us-east-1.amazonaws.com/1/orders", "https://sqs.us-east-1.amazonaws.com/1/orders-dlq"
    arn = "arn:aws:sqs:us-east-1:1:"
    with Stubber(sqs) as stub:
        attributes = {"QueueArn": arn + "orders-dlq", "ApproximateNumberOfMessages": "40"}
        stub.add_response("get_queue_attributes", {"Attributes": attributes})
        stub.add_response("list_dead_letter_source_queues", {"queueUrls": [source]})
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": arn + "orders"}})
        stub.add_response("start_message_move_task", {"TaskHandle": "task-1"},
                          {"SourceArn": arn + "orders-dlq", "DestinationArn": arn + "orders"})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 10, "ApproximateNumberOfMessagesToMove": 40}]})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 40, "ApproximateNumberOfMessagesToMove": 40}]})
        summary = redrive(sqs, dlq, poll_seconds=0, stream=io.StringIO())
        stub.assert_no_pending_responses()
    assert (summary.method, summary.moved, summary.failed) == ("SQS message move task", 40, 0)


def test_cli_redrive_prints_the_summary(account, capsys):
    """`pubsub dlq redrive --from DLQ` ends with moved, skipped and failed counts."""
    queue, dlq = make_queue_pair(account.sqs, "cli")
    fill(account, dlq, ["a", "b"])
    with pytest.raises(SystemExit) as exit_info:
        main(["dlq", "redrive", "--from", "cli-dlq"])
    assert exit_info.value.code == 0
    assert "moved 2, skipped 0, failed 0" in capsys.readouterr().out
