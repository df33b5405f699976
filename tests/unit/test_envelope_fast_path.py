"""
The envelope's cheap paths give what the general ones give: message attributes read once still
reach every reader, a subclass's own reading is obeyed, and other mappings than dicts still count.

"""
from json import dumps
from types import MappingProxyType

import pytest

from microcosm_pubsub.conventions import created
from microcosm_pubsub.envelope import CodecSQSEnvelope
from microcosm_pubsub.errors import BadMessageError
from microcosm_pubsub.message_attributes import check_media_type_attribute
from microcosm_pubsub.observability.carrier import CARRIER_ATTRIBUTE, read_carrier
from microcosm_pubsub.offload.consuming import offloaded_payload
from microcosm_pubsub.offload.pointer import PayloadPointer, parse_pointer


PART = created("core_fast_path_part")
URI = "http://example.com/parts/1"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class HeaderEnvelope(CodecSQSEnvelope):
    """A user's envelope that keeps its message attributes under another key, counting its reads."""

    reads = 0

    def parse_message_attributes(self, raw_message: dict) -> dict:
        self.reads += 1
        return raw_message["Headers"]


def raw_entry(body: str, headers: dict) -> dict:
    return dict(MessageId="m", ReceiptHandle="r", Body=body, Headers=headers)


def test_an_overridden_attribute_reader_is_read_once_and_feeds_the_carrier(core_graph):
    """The subclass's attributes give the trace carrier, and it is asked once per message."""
    envelope = HeaderEnvelope(core_graph)
    headers = {"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}}

    message = envelope.read_raw_message(None, raw_entry(dumps(dict(mediaType=PART, uri=URI)), headers))

    assert getattr(message, CARRIER_ATTRIBUTE) == {"traceparent": TRACEPARENT}
    assert envelope.reads == 1


def test_an_overridden_attribute_reader_feeds_the_media_type_check(core_graph):
    """A `media_type` attribute from the subclass's reader that differs from the body is refused."""
    headers = {"media_type": {"DataType": "String", "StringValue": created("core_fast_path_other")}}

    with pytest.raises(BadMessageError, match="differs from the body's mediaType"):
        HeaderEnvelope(core_graph).read_raw_message(None, raw_entry(dumps(dict(mediaType=PART, uri=URI)), headers))


def test_an_overridden_attribute_reader_feeds_the_declared_size(core_graph):
    """A pointer body's announced size comes from the subclass's attributes too."""
    body = PayloadPointer(bucket="bucket", key="key").encode()
    headers = {"ExtendedPayloadSize": {"DataType": "Number", "StringValue": "1234"}}

    message = HeaderEnvelope(core_graph).read_raw_message(None, raw_entry(body, headers))

    assert offloaded_payload(message).announced_size == 1234
    assert message.media_type is None and message.content is None


def test_carriers_are_read_from_any_mapping_and_never_from_other_containers():
    """A read-only mapping holds a carrier; a list that merely contains the name does not."""
    attribute = MappingProxyType({"StringValue": TRACEPARENT})

    assert read_carrier(MappingProxyType({"traceparent": attribute})) == {"traceparent": TRACEPARENT}
    assert read_carrier(["traceparent"], {}) is None


def test_parsed_bodies_other_than_lists_are_never_pointers():
    """An object (even one holding pointer-like keys) is no pointer; the parsed pointer list is one."""
    assert parse_pointer({"s3BucketName": "bucket", "s3Key": "key"}) is None
    assert parse_pointer(
        ["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "bucket", "s3Key": "key"}]
    ) == PayloadPointer(bucket="bucket", key="key")


def test_a_body_without_media_type_is_not_compared_with_the_attribute():
    """With no body type there is nothing to differ from (the pointer case); a differing type is refused."""
    attributes = {"media_type": {"Type": "String", "Value": PART}}

    check_media_type_attribute(None, attributes, {})
    check_media_type_attribute(PART, attributes, {})
    with pytest.raises(BadMessageError):
        check_media_type_attribute(created("core_fast_path_other"), attributes, {})
