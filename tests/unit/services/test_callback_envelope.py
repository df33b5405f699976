"""The callback consumer's envelope: every message reaches a callback, with or without a schema."""
import json

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.callback_consumer import _callback_envelope_class


@pytest.fixture
def envelope():
    """A `CallbackSQSEnvelope` over a plain graph (lifecycle media types auto-register their schemas)."""
    graph = create_object_graph("callbacks", testing=True, loader=load_from_dict())
    graph.use("pubsub_message_schema_registry", "sqs_envelope")
    return _callback_envelope_class()(graph)


def parse(envelope, body, sns=False):
    text = json.dumps(body)
    if sns:
        text = json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": text})
    return envelope.parse_raw_message(None, dict(MessageId="m1", ReceiptHandle="rh", Body=text))


def test_known_media_types_are_decoded_by_their_schema(envelope):
    """A media type with a schema decodes as usual (unknown fields dropped)."""
    media_type = "application/vnd.globality.pubsub._.created.order"
    message = parse(envelope, {"mediaType": media_type, "uri": "http://orders/1", "extra": 1}, sns=True)
    assert message.content == {"media_type": media_type, "uri": "http://orders/1"}
    assert message.topic_arn == "arn:aws:sns:us-east-1:1:t"


def test_unknown_media_types_give_the_raw_fields(envelope):
    """A media type without a schema gives the body's fields, with `opaqueData` readable as `opaque_data`."""
    message = parse(envelope, {"mediaType": "application/vnd.example.thing", "n": 2, "opaqueData": {"a": "b"}})
    assert message.media_type == "application/vnd.example.thing"
    assert message.content == {"media_type": "application/vnd.example.thing", "n": 2, "opaque_data": {"a": "b"}}
    assert message.opaque_data == {"a": "b"}


def test_bodies_without_a_media_type_are_plain_json(envelope):
    """A JSON object without `mediaType` is `application/json`, its fields as content."""
    message = parse(envelope, {"hello": "world"})
    assert message.media_type == "application/json"
    assert message.content == {"hello": "world", "media_type": "application/json"}
