"""
From an empty account to a running daemon: `pubsub infra apply` then `check`, on a moto server.

"""
import json
from uuid import uuid4

from daemon_support import REGION, poll_until

from microcosm_pubsub.infra import peek


ORDER_PLACED = "application/vnd.infra-test.order.placed"
AUDIT = "application/vnd.infra-test.audit"
REFUNDED = "application/vnd.infra-test.order.refunded"


def publish(sns, topic_arn, media_type, item):
    """One message in the library's wire format (JSON body, `media_type` attribute)."""
    sns.publish(TopicArn=topic_arn, Message=json.dumps({"mediaType": media_type, "id": item}),
                MessageAttributes={"media_type": {"DataType": "String", "StringValue": media_type}})


def test_apply_then_the_daemon_receives_exactly_its_media_types(clients, pubsub, run_entry, tmp_path):
    """Only order.placed and audit.* reach the queue, though refunds go to the same topics."""
    suffix = uuid4().hex[:8]
    topics = {name: f"arn:aws:sns:{REGION}:123456789012:{name}-{suffix}" for name in ("orders", "audit")}
    config = tmp_path / "infra.json"
    config.write_text(json.dumps({
        "sns_topic_arns": {"mappings": {ORDER_PLACED: topics["orders"], f"{AUDIT}.*": topics["audit"]}},
        "sqs_message_dispatcher": {"message_max_processing_attempts": 3},
        "pubsub_infra": {"queue_name": f"sample-{suffix}"},
    }))
    target = ["--daemon", "infra_sample:SampleDaemon", "--config", str(config)]
    code, printed = pubsub("infra", "check", *target)
    assert code == 1 and "drift: queue sample-" in printed
    code, printed = pubsub("infra", "apply", *target)
    assert code == 0 and "did: create queue" in printed
    assert pubsub("infra", "apply", *target) == (0, "no changes\n")
    code, printed = pubsub("infra", "check", *target)
    assert code == 0 and printed.startswith("ok:")

    sqs, sns = clients
    for topic in topics.values():
        publish(sns, topic, REFUNDED, f"refund-{topic[-13:]}")
    publish(sns, topics["orders"], ORDER_PLACED, "order-1")
    publish(sns, topics["audit"], f"{AUDIT}.login", "login-1")
    publish(sns, topics["audit"], f"{AUDIT}.logout", "logout-1")
    queue_url = sqs.get_queue_url(QueueName=f"sample-{suffix}")["QueueUrl"]
    delivered = sorted(letter.media_type for letter in peek(sqs, queue_url, 10))
    assert delivered == [f"{AUDIT}.login", f"{AUDIT}.logout", ORDER_PLACED]

    record = tmp_path / "handled.tsv"
    daemon = run_entry("daemon", "--sqs-queue-url", queue_url, env={"INFRA_RECORD_FILE": str(record)})
    handled = poll_until(lambda: record.exists() and len(record.read_text().splitlines()) >= 3 and record, 30)
    assert handled, daemon.output()
    assert daemon.stop(timeout=30) == 0
    assert sorted(line.split("\t")[1] for line in record.read_text().splitlines()) == \
        ["login-1", "logout-1", "order-1"]
