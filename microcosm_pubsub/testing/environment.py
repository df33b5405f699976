"""
A real SNS topic, SQS queue and subscription on moto, and a graph wired to them.

Unlike testing mode's MagicMocks, SNS really wraps messages and SQS really redelivers them, so a
test sees what production would: encoding, routing, filter attributes, acks and retries. An S3
bucket takes large messages (`large_payload_bucket` on both sides), as it would in production.

"""
import os
from contextlib import contextmanager
from json import loads
from typing import Any, Iterator, Optional

from microcosm.api import create_object_graph
from microcosm.loaders import load_each, load_from_dict

from microcosm_pubsub.offload.pointer import parse_pointer


DEFAULT_REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
}
GRAPH_COMPONENTS = (
    "opaque",
    "pubsub_message_schema_registry",
    "sqs_message_handler_registry",
    "sns_topic_arns",
    "sns_producer",
    "sqs_consumer",
    "sqs_message_dispatcher",
)


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and a region for moto, restoring the environment afterwards."""
    saved = {name: os.environ.get(name) for name in FAKE_CREDENTIALS}
    os.environ.update(FAKE_CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class PubSubTestEnvironment:
    """Creates a topic, a queue subscribed to it, and a graph that publishes and consumes there."""

    def __init__(self, name: str = "test", queue_name: str = "test-queue", topic_name: str = "test-topic",
                 config: Optional[dict] = None, components: tuple = (), bucket_name: str = "test-large-payloads"):
        import boto3

        self.sns = boto3.client("sns", region_name=DEFAULT_REGION)
        self.sqs = boto3.client("sqs", region_name=DEFAULT_REGION)
        self.s3 = boto3.client("s3", region_name=DEFAULT_REGION)
        self.bucket_name = bucket_name
        self.s3.create_bucket(Bucket=bucket_name)
        self.topic_arn = self.sns.create_topic(Name=topic_name)["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        loader = load_from_dict(
            sns_topic_arns=dict(default=self.topic_arn),
            sns_producer=dict(large_payload_bucket=bucket_name),
            sqs_consumer=dict(sqs_queue_url=self.queue_url, wait_seconds=0, large_payload_bucket=bucket_name),
        )
        if config:
            loader = load_each(loader, load_from_dict(config))
        self.graph = create_object_graph(name, loader=loader)
        self.graph.use(*GRAPH_COMPONENTS, *components)

    def published(self, limit: int = 100) -> list[dict]:
        """Read back (and delete) what reached the queue: each message's decoded JSON body (large ones from S3)."""
        bodies: list[dict] = []
        while len(bodies) < limit:
            response = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = response.get("Messages", [])
            if not messages:
                break
            for raw in messages:
                envelope = loads(raw["Body"])
                message = envelope["Message"] if isinstance(envelope, dict) and "Message" in envelope else raw["Body"]
                bodies.append(loads(self.payload(message)))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=raw["ReceiptHandle"])
        return bodies

    def payload(self, message: str) -> str:
        """A message body, or the S3 payload it points to."""
        pointer = parse_pointer(message)
        if pointer is None:
            return message
        return self.s3.get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"].read().decode()

    def drain(self, bound_handlers: dict, fail_fast: bool = True, max_batches: int = 100) -> list[Any]:
        """
        Handle everything on the queue with `bound_handlers` and return the results.

        With `fail_fast`, a handler's exception is re-raised instead of being retried, so a test
        fails with the handler's own traceback.

        """
        dispatcher = self.graph.sqs_message_dispatcher
        results: list[Any] = []
        for _ in range(max_batches):
            messages = self.graph.sqs_consumer.consume()
            if not messages:
                break
            for message in messages:
                result = dispatcher.handle_message(message, bound_handlers)
                results.append(result)
                if fail_fast and result.exc_info:
                    raise result.exc_info[1]
        return results


@contextmanager
def pubsub_test_environment(**kwargs: Any) -> Iterator[PubSubTestEnvironment]:
    """`mock_aws` with fake credentials around a `PubSubTestEnvironment`."""
    from moto import mock_aws

    with fake_aws_environment(), mock_aws():
        yield PubSubTestEnvironment(**kwargs)
