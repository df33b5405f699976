"""
`pubsub dlq redrive` of 500 dead letters, killed half-way and run again: nothing lost, and only
what was in flight (one batch) duplicated.

"""
import signal
from collections import Counter
from uuid import uuid4

import pytest
from daemon_support import poll_until
from infra_support import drain, make_queue_pair


COUNT = 500
HOLD_SECONDS = 2


def seed(sqs, dlq, fifo):
    for start in range(0, COUNT, 10):
        sqs.send_message_batch(QueueUrl=dlq, Entries=[
            {"Id": str(index), "MessageBody": f"item-{start + index:04d}",
             **({"MessageGroupId": f"group-{(start + index) % 7}", "MessageDeduplicationId": f"seed-{start + index}"}
                if fifo else {})}
            for index in range(10)])


def counts(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
def test_redrive_killed_half_way_and_rerun_loses_nothing(clients, run_entry, fifo):
    """SIGKILL mid-run, wait out the in-flight batch's hold, rerun: every item arrives once or twice."""
    sqs, _ = clients
    queue, dlq = make_queue_pair(sqs, f"crash-{uuid4().hex[:10]}", fifo)
    seed(sqs, dlq, fifo)
    arguments = ["dlq", "redrive", "--from", dlq, "--visibility-timeout", str(HOLD_SECONDS)]
    first = run_entry("cli", *arguments, "--rate", "250")
    assert poll_until(lambda: counts(sqs, queue)[0] >= COUNT // 3 or not first.alive(), 60), first.output()
    assert first.alive(), "the redrive finished before it could be killed: " + first.output()
    first.signal(signal.SIGKILL)
    first.wait(10)
    assert poll_until(lambda: counts(sqs, dlq)[1] == 0, HOLD_SECONDS * 5), "in-flight dead letters never came back"

    second = run_entry("cli", *arguments)
    assert second.wait(60) == 0, second.output()
    assert "failed 0" in second.stdout()
    moved = [(raw["Body"], raw["Attributes"].get("MessageGroupId")) for raw in drain(sqs, queue)]
    copies = Counter(body for body, _ in moved)
    assert set(copies) == {f"item-{index:04d}" for index in range(COUNT)}
    assert sum(copies.values()) - COUNT <= 10
    assert counts(sqs, dlq) == (0, 0)
    if fifo:
        assert sum(copies.values()) == COUNT  # the rerun's sends carry the same deduplication ids
        # Order within a group is checked without a crash (tests/unit/infra/test_redrive.py): here
        # the killed run's in-flight batch becomes visible again at once, and moto 5.2.5 then
        # hands a group's messages out newest first (DESIGN.md, known broker fault), which SQS
        # does not. Each group still arrives whole and with its group id.
        assert {group for _, group in moved} == {f"group-{index}" for index in range(7)}
