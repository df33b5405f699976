"""
The pointer format, read and written exactly as the AWS extended clients do.

"""
from json import dumps, loads

from botocore.exceptions import EndpointConnectionError

from microcosm_pubsub.offload import PayloadPointer, declared_size, parse_pointer
from microcosm_pubsub.offload.store import safe_text


def test_pointers_round_trip_in_the_extended_clients_format():
    """We write the two-element array the extended clients write, and read it back."""
    pointer = PayloadPointer(bucket="b", key="k")

    assert loads(pointer.encode()) == ["software.amazon.payloadoffloading.PayloadS3Pointer",
                                       {"s3BucketName": "b", "s3Key": "k"}]
    assert parse_pointer(pointer.encode()) == pointer
    assert parse_pointer(loads(pointer.encode())) == pointer


def test_ordinary_and_malformed_bodies_are_not_pointers():
    """Messages, other arrays and half-formed pointers are left to the ordinary decoding."""
    for body in (dumps({"mediaType": "x"}), "[1, 2]", "not json [",
                 dumps(["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b"}]),
                 dumps(["other.Class", {"s3BucketName": "b", "s3Key": "k"}])):
        assert parse_pointer(body) is None


def test_the_size_is_read_in_every_spelling():
    """SQS, SNS envelope and Lambda attribute spellings, current and legacy names, all give the size."""
    assert declared_size({"ExtendedPayloadSize": {"DataType": "Number", "StringValue": "12"}}) == 12
    assert declared_size({"ExtendedPayloadSize": {"Type": "Number", "Value": "13"}}) == 13
    assert declared_size({"SQSLargePayloadSize": {"dataType": "Number", "stringValue": "14"}}) == 14
    assert declared_size({}, {"ExtendedPayloadSize": {"Type": "Number", "Value": "15"}}) == 15
    assert declared_size({"media_type": {"Type": "String", "Value": "x"}}) is None


def test_error_texts_drop_credentials_from_urls():
    """An endpoint URL carrying user:secret@ is shown without them in a failure's reason."""
    error = EndpointConnectionError(endpoint_url="http://AKIDEXAMPLE:very-secret@127.0.0.1:9/bucket/key")

    text = safe_text(error)

    assert "very-secret" not in text and "AKIDEXAMPLE" not in text and "127.0.0.1:9/bucket/key" in text
