"""
Assert what a block of code publishes, without publishing anything.

    with mock_produces(graph, created("order"), dict(media_type=changed("order"), uri=ORDER_URI)):
        handler(message)

Inside the block the graph's SNS producer sends nothing. Each `Publish` and each `PublishBatch`
entry, whether from `produce`, `produce_batch` or a deferred producer, is recorded with its
content loaded by its media type's schema (as a consumer would see it), and answered with a
made-up message id. When the block exits cleanly, the recorded messages must match `expected`,
in order, or an `AssertionError` lists both sides.

An expected item may be a media type string, a schema class with a `MEDIA_TYPE`, or a dict
holding `media_type` and the content fields that must be equal (other fields are not compared).

"""
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from json import loads
from typing import Any, Iterator, Union


Expected = Union[str, type, dict]


@dataclass(frozen=True)
class ProducedMessage:
    """One message the block published: its topic, media type, wire body and loaded content."""

    topic_arn: str
    media_type: str
    body: dict
    content: dict


class RecordingSNSClient:
    """Stands in for the producer's SNS client: records what would be sent, sends nothing."""

    def __init__(self, graph: Any):
        self.registry = graph.pubsub_message_schema_registry
        self.produced: list[ProducedMessage] = []
        self._ids = count(1)

    def publish(self, TopicArn: str, Message: str, MessageAttributes: dict, **ignored: Any) -> dict:
        return dict(MessageId=self._record(TopicArn, Message, MessageAttributes))

    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list, **ignored: Any) -> dict:
        successful = [
            dict(Id=entry["Id"], MessageId=self._record(TopicArn, entry["Message"], entry["MessageAttributes"]))
            for entry in PublishBatchRequestEntries
        ]
        return dict(Successful=successful, Failed=[])

    def _record(self, topic_arn: str, message: str, attributes: dict) -> str:
        media_type = attributes["media_type"]["StringValue"]
        body = loads(message)
        content = self.registry.find(media_type).decode(body)
        self.produced.append(ProducedMessage(topic_arn, media_type, body, content))
        return f"mock-produces-{next(self._ids)}"


@contextmanager
def mock_produces(graph: Any, *expected: Expected) -> Iterator[list[ProducedMessage]]:
    """Record the graph's publishes inside the block; on a clean exit, assert they match `expected`."""
    for wanted in expected:
        if not isinstance(wanted, dict):
            media_type_of(wanted)
    producer = graph.sns_producer
    recorder = RecordingSNSClient(graph)
    original, producer.sns_client = producer.sns_client, recorder
    try:
        yield recorder.produced
    finally:
        producer.sns_client = original
    assert_produced(recorder.produced, expected)


def assert_produced(produced: list[ProducedMessage], expected: tuple) -> None:
    """Raise an `AssertionError` listing both sides unless `produced` matches `expected` item by item."""
    mismatches = [
        f"  #{index}: expected {describe(wanted)}, produced {describe_produced(message)}"
        for index, (wanted, message) in enumerate(zip(expected, produced))
        if not matches(wanted, message)
    ]
    if mismatches or len(produced) != len(expected):
        raise AssertionError(
            f"expected {len(expected)} messages to be produced, got {len(produced)}\n"
            + "\n".join(mismatches)
            + "\nexpected: " + ", ".join(describe(wanted) for wanted in expected)
            + "\nproduced: " + ", ".join(describe_produced(message) for message in produced)
        )


def matches(wanted: Expected, message: ProducedMessage) -> bool:
    if isinstance(wanted, dict):
        actual = {**message.content, "media_type": message.media_type}
        return all(key in actual and actual[key] == value for key, value in wanted.items())
    return message.media_type == media_type_of(wanted)


def media_type_of(wanted: Expected) -> str:
    if isinstance(wanted, str):
        return wanted
    media_type = getattr(wanted, "MEDIA_TYPE", None)
    if not isinstance(media_type, str):
        raise TypeError(
            f"mock_produces expects media type strings, schema classes with a MEDIA_TYPE, or dicts of "
            f"fields with a media_type; got {wanted!r}"
        )
    return media_type


def describe(wanted: Expected) -> str:
    return repr(wanted) if isinstance(wanted, dict) else media_type_of(wanted)


def describe_produced(message: ProducedMessage) -> str:
    fields = {key: value for key, value in message.content.items() if key not in ("media_type", "opaque_data")}
    return f"{message.media_type} {fields}"
