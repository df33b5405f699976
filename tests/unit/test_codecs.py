"""
Codecs: encoding to the camelCase wire format with load-time validation, and decoding back.

"""
from json import loads

import pytest
from marshmallow import ValidationError, fields

from microcosm_pubsub.codecs import (
    DEFAULT_MEDIA_TYPE,
    MediaTypeSchema,
    PubSubMessageCodec,
    PubSubMessageSchema,
)
from microcosm_pubsub.errors import PubSubError


MEDIA_TYPE = "application/vnd.globality.pubsub._.created.core_codec_order"


class OrderSchema(PubSubMessageSchema):
    """A test schema with a required, a non-nullable, an optional and a dump-only field."""

    MEDIA_TYPE = MEDIA_TYPE

    order_id = fields.String(required=True, data_key="orderId")
    quantity = fields.Integer(allow_none=False)
    note = fields.String()
    computed = fields.String(dump_only=True)


@pytest.fixture
def codec():
    """A codec over an `OrderSchema` instance."""
    return PubSubMessageCodec(OrderSchema())


def test_codec_exposes_its_schema_instance(codec):
    """`.schema` is the schema instance the codec was built with."""
    assert isinstance(codec.schema, OrderSchema)


def test_default_media_type_is_json():
    """The base schema's media type is `application/json`."""
    assert DEFAULT_MEDIA_TYPE == "application/json"
    assert PubSubMessageSchema.MEDIA_TYPE == DEFAULT_MEDIA_TYPE


def test_encode_merges_dict_and_kwargs(codec):
    """Fields come from the dict and the keyword arguments, keywords winning."""
    encoded = codec.encode(dict(media_type=MEDIA_TYPE, order_id="1", quantity=1), quantity=3, note="x")

    assert loads(encoded) == dict(mediaType=MEDIA_TYPE, orderId="1", quantity=3, note="x")


def test_encode_uses_camel_case_wire_keys(codec):
    """Media type and opaque data go on the wire as `mediaType` and `opaqueData`."""
    encoded = loads(codec.encode(media_type=MEDIA_TYPE, opaque_data={"x-request-id": "r"}, order_id="1"))

    assert encoded["mediaType"] == MEDIA_TYPE
    assert encoded["opaqueData"] == {"x-request-id": "r"}
    assert "media_type" not in encoded and "opaque_data" not in encoded


def test_encode_without_a_dict(codec):
    """Keywords alone are enough to encode."""
    assert loads(codec.encode(media_type=MEDIA_TYPE, order_id="1")) == dict(mediaType=MEDIA_TYPE, orderId="1")


def test_encode_rejects_a_missing_required_field(codec):
    """A required field left out raises a marshmallow ValidationError naming schema and field."""
    with pytest.raises(ValidationError) as raised:
        codec.encode(media_type=MEDIA_TYPE)

    assert isinstance(raised.value, PubSubError)
    assert "OrderSchema" in str(raised.value)
    assert "orderId" in str(raised.value)


def test_encode_rejects_none_for_a_non_nullable_field(codec):
    """None in a field that does not allow it is rejected like a load would reject it."""
    with pytest.raises(ValidationError) as raised:
        codec.encode(media_type=MEDIA_TYPE, order_id="1", quantity=None)

    assert "quantity" in str(raised.value)
    assert "OrderSchema" in str(raised.value)


def test_encode_requires_the_media_type(codec):
    """The media type is a required field of every message."""
    with pytest.raises(ValidationError) as raised:
        codec.encode(order_id="1")

    assert "mediaType" in str(raised.value)


def test_encode_does_not_check_the_media_type_value(codec):
    """Any media type string is encoded as given, even one that is not the schema's."""
    assert loads(codec.encode(media_type="text/other", order_id="1"))["mediaType"] == "text/other"


def test_encode_ignores_unknown_keys(codec):
    """Keys the schema does not declare are neither sent nor rejected."""
    encoded = loads(codec.encode(media_type=MEDIA_TYPE, order_id="1", unknown="u"))

    assert "unknown" not in encoded


def test_encode_sends_dump_only_fields_without_raising(codec):
    """A dump-only field is sent and does not fail the load-time validation."""
    encoded = loads(codec.encode(media_type=MEDIA_TYPE, order_id="1", computed="c"))

    assert encoded["computed"] == "c"


def test_decode_returns_only_present_fields(codec):
    """Decoding a JSON string yields snake_case fields, only those present."""
    decoded = codec.decode('{"mediaType": "%s", "orderId": "7"}' % MEDIA_TYPE)

    assert decoded == dict(media_type=MEDIA_TYPE, order_id="7")


def test_decode_accepts_a_dict_and_drops_unknown_fields(codec):
    """A dict is decoded as well, and unknown fields are dropped."""
    decoded = codec.decode(dict(mediaType=MEDIA_TYPE, orderId="7", opaqueData={"a": "b"}, other=1))

    assert decoded == dict(media_type=MEDIA_TYPE, order_id="7", opaque_data={"a": "b"})


def test_decode_error_names_the_schema_class(codec):
    """Invalid content raises a ValidationError whose text names the schema class and the field."""
    with pytest.raises(ValidationError) as raised:
        codec.decode(dict(mediaType=MEDIA_TYPE))

    assert "OrderSchema" in str(raised.value)
    assert "orderId" in str(raised.value)


def test_round_trip(codec):
    """What is encoded decodes to the same content."""
    content = dict(media_type=MEDIA_TYPE, order_id="1", quantity=2, opaque_data={"k": "v"})

    assert codec.decode(codec.encode(content)) == content


def test_media_type_schema_reads_only_the_media_type():
    """`MediaTypeSchema` loads the media type of any message."""
    loaded = MediaTypeSchema().load(dict(mediaType=MEDIA_TYPE), unknown="exclude")

    assert loaded == dict(mediaType=MEDIA_TYPE)
