"""
The pointer a message carries when its payload lives in S3: the AWS extended clients' format.

The body is the JSON array `["software.amazon.payloadoffloading.PayloadS3Pointer",
{"s3BucketName": B, "s3Key": K}]` and the message attribute `ExtendedPayloadSize` (Number) holds
the payload's size in bytes. The Java SQS extended client 1.x wrote the older class name and
`SQSLargePayloadSize`; both are read, the current ones are written.

"""
from dataclasses import dataclass
from json import dumps, loads
from typing import Any, Optional

from microcosm_pubsub.message_attributes import attribute_text


POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
LEGACY_POINTER_CLASS = "com.amazon.sqs.javamessaging.MessageS3Pointer"
POINTER_CLASSES = (POINTER_CLASS, LEGACY_POINTER_CLASS)
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize"
SIZE_ATTRIBUTES = (SIZE_ATTRIBUTE, LEGACY_SIZE_ATTRIBUTE)


@dataclass(frozen=True)
class PayloadPointer:
    """Where an offloaded payload is: an S3 bucket and key."""

    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def encode(self) -> str:
        """The message body that points here, as the AWS extended clients write it."""
        return dumps([POINTER_CLASS, {"s3BucketName": self.bucket, "s3Key": self.key}])


def size_attribute(size: int) -> dict[str, dict[str, str]]:
    """The message attribute that announces a payload of `size` bytes."""
    return {SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(size)}}


def parse_pointer(message: Any) -> Optional[PayloadPointer]:
    """
    The pointer a message body holds, or None when it is an ordinary message.

    Accepts the body as text or already parsed. Ordinary bodies are JSON objects, so a cheap look
    at the type (or, for text, the first character) rules almost all of them out.

    """
    if isinstance(message, dict):
        return None
    if isinstance(message, (bytes, bytearray)):
        message = message.decode("utf-8", errors="replace")
    if isinstance(message, str):
        if not message.lstrip().startswith("[") or not any(name in message for name in POINTER_CLASSES):
            return None
        try:
            message = loads(message)
        except ValueError:
            return None
    if not (isinstance(message, list) and len(message) == 2 and message[0] in POINTER_CLASSES):
        return None
    details = message[1]
    if not isinstance(details, dict):
        return None
    bucket, key = details.get("s3BucketName"), details.get("s3Key")
    if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
        return None
    return PayloadPointer(bucket=bucket, key=key)


def declared_size(*attribute_sets: Optional[dict]) -> Optional[int]:
    """
    The payload size announced by `ExtendedPayloadSize` (or `SQSLargePayloadSize`), if any.

    Attributes come in three spellings: SQS (`DataType`/`StringValue`), the SNS notification
    envelope (`Type`/`Value`) and Lambda records (`dataType`/`stringValue`).

    """
    for name in SIZE_ATTRIBUTES:
        try:
            return int(attribute_text(name, *attribute_sets))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return None
