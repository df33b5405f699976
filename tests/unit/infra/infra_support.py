"""
Support for the infra tests (imported by their conftest and modules as `infra_support`): the
sample routing config, and an account whose clients count their write calls.

"""
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
