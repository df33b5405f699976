"""
Bad messages affect only themselves: each is logged with its reason and id and leaves the queue
by its policy (skipped after the maximum attempts, ignored at once, or moved to a DLQ by SQS).

"""
from json import dumps

from daemon_support import ITEM_MEDIA_TYPE


UNKNOWN_MEDIA_TYPE = "application/vnd.globality.pubsub.functional.unknown"
RETRY_FAST = {"FUNCTIONAL__SQS_CONSUMER__MESSAGE_RETRY_VISIBILITY_TIMEOUT_SECONDS": "1"}
TWO_ATTEMPTS = {"FUNCTIONAL__SQS_MESSAGE_DISPATCHER__MESSAGE_MAX_PROCESSING_ATTEMPTS": "2", **RETRY_FAST}


def lines_naming(output: str, text: str) -> list[str]:
    """The log lines that contain `text`."""
    return [line for line in output.splitlines() if text in line]


def message_ids(start_daemon, item: str) -> set[str]:
    """The SQS message ids the recording daemon saw for `item`."""
    return {message_id for recorded, message_id, _, _ in start_daemon.records() if recorded == item}


def test_mixed_batch_of_good_and_poison_messages(broker, start_daemon, make_items, wait_for):
    """Good and flaky messages are handled, poison ones leave the queue with a logged reason, the daemon lives on."""
    # Given good messages, one that fails its first attempt, and one of each kind of poison
    good = make_items("good", 8)
    broker.publish_items(good)
    [flaky] = make_items("flaky", 1)
    broker.publish_items([flaky], behaviour="flaky")
    poison = {
        "not JSON": broker.send_raw("this is { not json"),
        "no media type": broker.send_raw({"item": "no-media-type"}),
        "fails its schema": broker.send_raw({"mediaType": ITEM_MEDIA_TYPE, "sequence": "not-a-number"}),
    }
    unknown = broker.send_raw({"mediaType": UNKNOWN_MEDIA_TYPE, "item": "unknown"})

    # When a daemon with two attempts per message and a 1 s retry delay consumes them
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, env=TWO_ATTEMPTS)
    emptied = wait_for(lambda: broker.depth() == 0 or not daemon.alive(), timeout=30, interval=0.2)
    alive = daemon.alive()
    exit_code = daemon.stop(timeout=30)
    output = daemon.stdout()

    # Then the good and the flaky messages were handled once each, the flaky one on its retry
    counts = start_daemon.counts()
    assert alive and exit_code == 0, daemon.output()
    assert emptied, output
    assert sorted(counts) == sorted(good + [flaky])
    assert set(counts.values()) == {1}
    assert start_daemon.counts("failed")[flaky] == 1
    [flaky_id] = message_ids(start_daemon, flaky)
    assert any("FAILED" in line and "first attempt" in line for line in lines_naming(output, flaky_id)), output
    # and each poison message failed with its reason, then was skipped after two attempts
    for kind, message_id in poison.items():
        lines = lines_naming(output, message_id)
        assert any("FAILED" in line and "cannot decode" in line for line in lines), (kind, output)
        assert any("SKIPPED" in line and "maximum of 2 processing attempts" in line for line in lines), (kind, output)
    # and the unknown media type was ignored at once: one line, with its reason and message id
    [ignored] = lines_naming(output, unknown)
    assert f"{UNKNOWN_MEDIA_TYPE} was : IGNORED" in ignored and "Could not parse" in ignored
    # and the daemon logged no traceback of its own
    assert "Unexpected error" not in output


def test_poison_message_moves_to_the_dead_letter_queue(broker, start_daemon, make_items, wait_for):
    """With a redrive policy (maxReceiveCount 2) SQS moves a poison message to the DLQ; good ones are handled."""
    # Given a queue that redrives to a dead-letter queue after two receives
    dlq_url = broker.create_queue(f"{broker.queue_url.rsplit('/', 1)[1]}-dlq")
    redrive = dumps({"deadLetterTargetArn": broker.queue_arn(dlq_url), "maxReceiveCount": 2})
    broker.sqs.set_queue_attributes(QueueUrl=broker.queue_url, Attributes={"RedrivePolicy": redrive})
    # and good messages plus one that can never be decoded
    good = make_items("good", 5)
    broker.publish_items(good)
    poison_id = broker.send_raw("poison: not JSON")

    # When a daemon (no attempt limit of its own, 1 s retry delay) consumes the queue
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, env=RETRY_FAST)
    moved = wait_for(lambda: broker.depth(dlq_url) == 1 or not daemon.alive(), timeout=30, interval=0.2)
    emptied = broker.wait_until_empty(timeout=10)
    alive = daemon.alive()
    exit_code = daemon.stop(timeout=30)

    # Then the poison message is in the DLQ, the good ones were handled, and the daemon lived
    dead = broker.sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert moved and emptied, daemon.output()
    assert [(message["MessageId"], message["Body"]) for message in dead] == [(poison_id, "poison: not JSON")]
    assert sorted(start_daemon.counts()) == sorted(good)
    assert len(lines_naming(daemon.stdout(), poison_id)) >= 2
    assert alive and exit_code == 0, daemon.output()
