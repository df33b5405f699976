"""
Shared fixtures. Core-library fixtures are prefixed `core_`.

`core_broker` is an in-process moto AWS (real boto3 clients) with one SNS topic subscribed by
one SQS queue; `core_make_graph` builds an object graph wired to them.

"""
from dataclasses import dataclass
from json import loads
from typing import Any, Callable

import boto3
import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from moto import mock_aws


@dataclass
class CoreBroker:
    """Real boto3 clients on moto, one topic subscribed by one queue, and helpers to inspect them."""

    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str

    @classmethod
    def create(cls) -> "CoreBroker":
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        broker = cls(sns=sns, sqs=sqs, topic_arn="", queue_url="")
        broker.topic_arn = broker.create_topic("core-topic")
        broker.queue_url = broker.create_queue("core-queue")
        broker.subscribe(broker.topic_arn, broker.queue_url)
        return broker

    def create_topic(self, name: str) -> str:
        return self.sns.create_topic(Name=name)["TopicArn"]

    def create_queue(self, name: str) -> str:
        return self.sqs.create_queue(QueueName=name)["QueueUrl"]

    def subscribe(self, topic_arn: str, queue_url: str) -> None:
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def receive(self, queue_url: str = "") -> list[dict]:
        """Every message now in the queue (deleted as read), as raw ReceiveMessage entries."""
        queue_url = queue_url or self.queue_url
        received: list[dict] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return received
            for raw in batch:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=raw["ReceiptHandle"])
            received.extend(batch)

    def notifications(self, queue_url: str = "") -> list[dict]:
        """The SNS notifications (parsed bodies) now in the queue."""
        return [loads(raw["Body"]) for raw in self.receive(queue_url)]

    def published(self, queue_url: str = "") -> list[dict]:
        """The messages SNS delivered to the queue, unwrapped and parsed."""
        return [loads(notification["Message"]) for notification in self.notifications(queue_url)]

    def send(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)


@pytest.fixture
def core_aws_env(monkeypatch):
    """Fake credentials and a region, and none of the developer's own AWS settings."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def core_broker(core_aws_env):
    """An in-process moto AWS with a topic subscribed by a queue."""
    with mock_aws():
        yield CoreBroker.create()


@pytest.fixture
def core_make_graph(core_broker) -> Callable[..., Any]:
    """Builds a graph whose default topic and consumed queue are `core_broker`'s; kwargs add config."""
    def make_graph(**config: dict) -> Any:
        merged: dict = dict(
            sns_topic_arns=dict(default=core_broker.topic_arn),
            sqs_consumer=dict(sqs_queue_url=core_broker.queue_url, wait_seconds=0),
        )
        for component, values in config.items():
            merged[component] = {**merged.get(component, {}), **values}
        return create_object_graph("test", loader=load_from_dict(merged))
    return make_graph


@pytest.fixture
def core_graph(core_make_graph):
    """A graph wired to `core_broker` with default config."""
    return core_make_graph()
