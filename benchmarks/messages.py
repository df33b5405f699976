"""
The message every benchmark sends, and the handlers that consume it.

One lifecycle media type (`created("bench_job")`, auto-registered) with a `uri`, encoded by the
package's own codec, so the body on the queue is exactly what `produce()` would publish; queued
copies are wrapped in the SNS notification envelope, as SNS delivers them to a subscribed queue.

"""
from hashlib import md5
from json import dumps
from time import sleep
from typing import Any
from uuid import uuid4

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.conventions import created


MEDIA_TYPE = created("bench_job")
CONTENT = dict(uri="http://example.com/jobs/1")
BENCH_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:bench-topic"


def testing_graph(topic_arn: str = BENCH_TOPIC_ARN) -> Any:
    """A testing-mode graph (MagicMock AWS clients) that routes every media type to `topic_arn`."""
    return create_object_graph("bench", testing=True, loader=load_from_dict(sns_topic_arns=dict(default=topic_arn)))


def encoded_message() -> Any:
    """The `PubsubMessage` that `produce(MEDIA_TYPE, CONTENT)` publishes (body and attributes)."""
    return testing_graph().sns_producer.create_message(MEDIA_TYPE, dict(CONTENT))


def sns_notification_body(topic_arn: str = BENCH_TOPIC_ARN) -> str:
    """An SQS body as SNS delivers it: the encoded message inside a Notification envelope."""
    message = encoded_message()
    return dumps(dict(
        Type="Notification",
        MessageId=str(uuid4()),
        TopicArn=topic_arn,
        Message=message.message,
        Timestamp="2024-01-01T00:00:00.000Z",
        SignatureVersion="1",
        MessageAttributes={
            name: dict(Type=value["DataType"], Value=value["StringValue"])
            for name, value in message.message_attributes.items()
        },
    ))


def raw_receive_entries(count: int, body: str) -> list[dict]:
    """`count` entries shaped like a ReceiveMessage answer's `Messages`, for in-process parsing."""
    digest = md5(body.encode()).hexdigest()
    return [
        dict(
            MessageId=str(uuid4()),
            ReceiptHandle=f"receipt-{index}-{uuid4()}",
            MD5OfBody=digest,
            Body=body,
            Attributes=dict(ApproximateReceiveCount="1"),
        )
        for index in range(count)
    ]


def trivial_handler(content: Any) -> bool:
    return True


def sleeping_handler(seconds: float) -> Any:
    def handler(content: Any) -> bool:
        sleep(seconds)
        return True
    return handler
