"""The request/reply media type convention and request schema shared by services and clients."""
import json

import pytest
from marshmallow import ValidationError

from microcosm_pubsub.codecs import PubSubMessageCodec
from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.service_protocol import (
    ServiceRequestSchema,
    is_reply_queue_name,
    is_signed,
    make_reply,
    queue_address,
    reply_media_type,
    reply_queue_name,
    reply_signature,
    request_media_type,
    request_wildcard,
    service_name_for,
)


def test_request_and_reply_media_types():
    """Service S, method M: `...pubsub._.request.S.M` and `...pubsub._.reply.S.M`, S spelled by `name_for`."""
    assert request_media_type("echo", "ping") == "application/vnd.globality.pubsub._.request.echo.ping"
    assert reply_media_type("echo", "ping") == "application/vnd.globality.pubsub._.reply.echo.ping"
    assert request_media_type("EchoService", "ping") == "application/vnd.globality.pubsub._.request.echo_service.ping"
    assert request_media_type("echo-service", "get_thing").endswith(".request.echo_service.get_thing")


def test_request_wildcard_matches_every_method_of_one_service():
    """The wildcard `...request.S.*` is what the service binds and what a per-service mapping names."""
    assert request_wildcard("echo") == "application/vnd.globality.pubsub._.request.echo.*"
    assert request_media_type("echo", "ping").startswith(request_wildcard("echo")[:-1])


@pytest.mark.parametrize("name", ["", "a.b", None])
def test_service_names_must_be_plain(name):
    """An empty or dotted service name would break the wildcard, so it is a configuration error."""
    with pytest.raises(ConfigurationError, match="service name"):
        service_name_for(name)


@pytest.mark.parametrize("method", ["", "a.b", "two words", 3])
def test_method_names_must_be_identifiers(method):
    """A method name must be a Python identifier, since the service defines `on_<method>`."""
    with pytest.raises(ValueError, match="not a Python identifier"):
        request_media_type("echo", method)


def test_request_schema_round_trip():
    """A request encodes to camelCase wire fields and decodes back to snake_case content."""
    codec = PubSubMessageCodec(ServiceRequestSchema())
    wire = json.loads(codec.encode(
        media_type=request_media_type("echo", "echo"), request_id="r-1", reply_to="https://sqs/reply",
        service="echo", method="echo", kwargs={"words": ["a", "b"]},
    ))
    assert wire == {
        "mediaType": "application/vnd.globality.pubsub._.request.echo.echo", "requestId": "r-1",
        "replyTo": "https://sqs/reply", "service": "echo", "method": "echo", "kwargs": {"words": ["a", "b"]},
    }
    content = codec.decode(wire)
    assert content["request_id"] == "r-1" and content["reply_to"] == "https://sqs/reply"
    assert content["kwargs"] == {"words": ["a", "b"]}


def test_request_schema_requires_the_reply_address():
    """A request without `replyTo` or `requestId` is refused before it is sent."""
    codec = PubSubMessageCodec(ServiceRequestSchema())
    with pytest.raises(ValidationError, match="replyTo"):
        codec.encode(media_type="x", request_id="r-1", service="echo", method="ping")


def test_reply_bodies_carry_a_result_or_an_error():
    """A reply names its request and carries either `result` or `error` with the exception's type and message."""
    content = dict(request_id="r-1", service="echo", method="fail")
    assert json.loads(make_reply(content, result=None)) == {
        "mediaType": "application/vnd.globality.pubsub._.reply.echo.fail", "requestId": "r-1",
        "service": "echo", "method": "fail", "result": None,
    }
    error = json.loads(make_reply(content, error=NotImplementedError("I was never created")))["error"]
    assert error == {"type": "NotImplementedError", "message": "I was never created"}


@pytest.mark.parametrize("url, address", [
    ("https://sqs.us-east-1.amazonaws.com/1/q", ("https://aws/us-east-1", "1", "q")),
    ("https://queue.amazonaws.com/1/q", ("https://aws/us-east-1", "1", "q")),
    ("https://us-west-2.queue.amazonaws.com/1/q", ("https://aws/us-west-2", "1", "q")),
    ("http://127.0.0.1:4566/000000000000/q", ("http://127.0.0.1:4566", "000000000000", "q")),
    ("https://sqs.us-east-1.amazonaws.com.attacker.example/1/q",
     ("https://sqs.us-east-1.amazonaws.com.attacker.example:", "1", "q")),
    ("https://user@sqs.us-east-1.amazonaws.com/1/q", None),
    ("https://sqs.us-east-1.amazonaws.com/1/q?Action=DeleteQueue", None),
    ("https://sqs.us-east-1.amazonaws.com/1/q/", None),
    ("https://[::1/1/q", None),
    ("ftp://sqs.us-east-1.amazonaws.com/1/q", None),
    (None, None),
])
def test_queue_addresses_name_the_endpoint_account_and_queue(url, address):
    """AWS host spellings of one region compare equal; anything but `scheme://host/<account>/<name>` has none."""
    assert queue_address(url) == address


def test_reply_queue_names_are_the_prefix_and_32_hex_digits():
    """The client's naming is what the service's check accepts, and only that."""
    name = reply_queue_name("pubsub-reply")
    assert is_reply_queue_name(name, "pubsub-reply")
    assert not is_reply_queue_name(name, "pubsub")
    assert not is_reply_queue_name("pubsub-reply-billing", "pubsub-reply")
    assert not is_reply_queue_name(name.upper(), "pubsub-reply")


def test_signatures_bind_the_reply_queue_to_the_request_id():
    """A signature verifies for its own reply queue and request id only; junk signatures are refused, not raised."""
    signature = reply_signature("key", "https://q/1/a", "r-1")
    assert is_signed("key", "https://q/1/a", "r-1", signature)
    assert not is_signed("key", "https://q/1/b", "r-1", signature)
    assert not is_signed("key", "https://q/1/a", "r-2", signature)
    assert not is_signed("other", "https://q/1/a", "r-1", signature)
    for junk in (None, 3, "é" * 64, "\ud800"):
        assert not is_signed("key", "https://q/1/a", "r-1", junk)


def test_a_reply_to_a_method_that_is_not_an_identifier_names_only_the_service():
    """`...reply.<S>` is the media type of an error reply to a method name no media type may carry."""
    body = json.loads(make_reply(dict(request_id="r-1", service="echo", method="a b"), error=ValueError("bad")))
    assert body["mediaType"] == "application/vnd.globality.pubsub._.reply.echo"
    assert body["method"] == "a b"
