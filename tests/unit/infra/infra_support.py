"""
Support for the infra tests (imported by their conftest and modules as `infra_support`): the
sample routing config, and an account whose clients count their write calls.

"""
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


ACCOUNT = "123456789012"
TOPIC_PREFIX = f"arn:aws:sns:us-east-1:{ACCOUNT}:"
ORDERS, AUDIT, EVERYTHING = (f"{TOPIC_PREFIX}{name}" for name in ("orders", "audit", "everything"))
READ_PREFIXES = ("Get", "List", "Receive")


@dataclass
class Account:
    """Real boto3 SQS and SNS clients on moto; `writes` counts every call that may change something."""

    sqs: Any
    sns: Any
    writes: Counter = field(default_factory=Counter)

    def count(self, model: Any, **kwargs: Any) -> None:
        if not model.name.startswith(READ_PREFIXES):
            self.writes[model.name] += 1

    def queue_url(self, name: str) -> str:
        return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def queue_attributes(self, name: str) -> dict:
        return self.sqs.get_queue_attributes(QueueUrl=self.queue_url(name), AttributeNames=["All"])["Attributes"]

    def subscriptions(self, queue_name: str) -> list[dict]:
        arn = self.queue_attributes(queue_name)["QueueArn"]
        return [s for s in self.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] == arn]


def sample_config(**sections: dict) -> dict:
    """Routing for the sample consumers: order.placed and audit.* have topics, the rest the default."""
    config: dict = dict(
        sns_topic_arns=dict(default=EVERYTHING, mappings={
            "application/vnd.infra-test.order.placed": ORDERS,
            "application/vnd.infra-test.audit.*": AUDIT,
        }),
        sqs_message_dispatcher=dict(message_max_processing_attempts=3),
    )
    for name, values in sections.items():
        config[name] = {**config.get(name, {}), **values}
    return config


def make_queue_pair(sqs: Any, name: str, fifo: bool = False) -> tuple[str, str]:
    """A queue whose dead letters go to `<name>-dlq` after one receive; (queue URL, DLQ URL)."""
    suffix, attributes = (".fifo", {"FifoQueue": "true"}) if fifo else ("", {})
    dlq = sqs.create_queue(QueueName=f"{name}-dlq{suffix}", Attributes=attributes)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive_policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    queue = sqs.create_queue(QueueName=f"{name}{suffix}",
                             Attributes={**attributes, "RedrivePolicy": redrive_policy})["QueueUrl"]
    return queue, dlq


def drain(sqs: Any, url: str) -> list[dict]:
    """Every message of a queue (deleted as read), in receive order, with all attributes."""
    received: list[dict] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       MessageAttributeNames=["All"]).get("Messages", []):
        received += batch
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(index), "ReceiptHandle": raw["ReceiptHandle"]} for index, raw in enumerate(batch)])
    return received
