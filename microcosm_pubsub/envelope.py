"""
Turn a raw SQS message into an `SQSMessage`: unwrap the body, find the media type, decode.

Bodies arrive wrapped in the SNS notification envelope or raw (raw message delivery); the
default strategy accepts both, and parses each body once. A body that is an S3 pointer (a large
message, `microcosm_pubsub.offload`) is resolved before decoding, so the message holds the content.

"""
from abc import ABCMeta, abstractmethod
from hashlib import md5
from json import loads
from typing import Any, Optional
from uuid import uuid4

from marshmallow import ValidationError
from microcosm.api import defaults, typed
from microcosm.config.types import boolean

from microcosm_pubsub.codecs import DEFAULT_MEDIA_TYPE
from microcosm_pubsub.errors import ConfigurationError, ContentValidationError
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.message_attributes import check_media_type_attribute
from microcosm_pubsub.observability.carrier import note_trace_carrier
from microcosm_pubsub.offload.config import configure_payload_resolver
from microcosm_pubsub.offload.consuming import OFFLOADED_ATTRIBUTE, OffloadedPayload, resolve_payload
from microcosm_pubsub.offload.pointer import SIZE_ATTRIBUTES, PayloadPointer, declared_size, parse_pointer


class MissingMediaTypeError(ContentValidationError):
    """The body has no `mediaType`, so no schema can be chosen."""

    def __init__(self) -> None:
        super().__init__("message body has no mediaType: publish it through a producer that sets one")


class MessageBodyParser(metaclass=ABCMeta):
    """Extracts the user-space message from an SQS body."""

    @abstractmethod
    def parse_message(self, body: Any) -> Any:
        """The message inside the body."""

    def parse_envelope(self, body: Any) -> tuple[Any, Optional[str]]:
        """The message inside the body and the SNS topic it came through, when known."""
        return self.parse_message(body), None

    def unwrap(self, body: Any) -> tuple[Any, Optional[str], dict]:
        """`parse_envelope`, plus the message attributes the SNS envelope carries, if any."""
        message, topic_arn = self.parse_envelope(body)
        return message, topic_arn, {}


class MediaTypeAndContentParser(metaclass=ABCMeta):
    """Finds the media type of a message and decodes its content."""

    @abstractmethod
    def parse_media_type_and_content(self, message: Any) -> tuple[Optional[str], Optional[dict]]:
        """The media type and the decoded content (None when no schema knows the type)."""


class RawMessageBodyParser(MessageBodyParser):
    def parse_message(self, body: Any) -> Any:
        return body


class SNSMessageBodyParser(MessageBodyParser):
    """Unwraps the SNS notification envelope; a raw-delivered body is taken as it is."""

    def parse_message(self, body: Any) -> Any:
        return self.parse_envelope(body)[0]

    def parse_envelope(self, body: Any) -> tuple[Any, Optional[str]]:
        message, topic_arn, _ = self.unwrap(body)
        return message, topic_arn

    def unwrap(self, body: Any) -> tuple[Any, Optional[str], dict]:
        document = loads(body) if isinstance(body, (str, bytes)) else body
        if isinstance(document, dict) and "Message" in document and "mediaType" not in document:
            inner = document["Message"]
            message = loads(inner) if isinstance(inner, (str, bytes)) else inner
            return message, document.get("TopicArn"), document.get("MessageAttributes") or {}
        return document, None, {}


class RawMediaTypeAndContentParser(MediaTypeAndContentParser):
    def parse_media_type_and_content(self, message: Any) -> tuple[Optional[str], Optional[dict]]:
        return DEFAULT_MEDIA_TYPE, loads(message) if isinstance(message, (str, bytes)) else message


class NaiveMediaTypeAndContentParser(MediaTypeAndContentParser):
    def parse_media_type_and_content(self, message: Any) -> tuple[Optional[str], Optional[dict]]:
        media_type = message["mediaType"]
        return media_type, {key: value for key, value in message.items() if key != "mediaType"}


class CodecMediaTypeAndContentParser(MediaTypeAndContentParser):
    """Decodes with the codec registered for the message's media type."""

    def __init__(self, graph: Any):
        super().__init__(graph)  # type: ignore[call-arg]
        self.pubsub_message_schema_registry = graph.pubsub_message_schema_registry

    def parse_media_type_and_content(self, message: Any) -> tuple[Optional[str], Optional[dict]]:
        document = loads(message) if isinstance(message, (str, bytes)) else message
        media_type = document.get("mediaType") if isinstance(document, dict) else None
        if not isinstance(media_type, str):
            raise MissingMediaTypeError()
        try:
            codec = self.pubsub_message_schema_registry.find(media_type)
        except KeyError:
            return media_type, None
        return media_type, codec.decode(document)


class SQSEnvelope(MessageBodyParser, MediaTypeAndContentParser):
    """Base of the enveloping strategies: reads ids and attributes, then parses the body."""

    def __init__(self, graph: Any):
        self.should_validate_md5 = graph.config.sqs_envelope.validate_md5
        self.payload_resolver = configure_payload_resolver(graph)

    @property
    def message_attribute_names(self) -> list[str]:
        """Message attributes to ask ReceiveMessage for: the payload size, when large payloads are read."""
        return list(SIZE_ATTRIBUTES) if self.payload_resolver.enabled else []

    def parse_raw_message(self, consumer: Any, raw_message: dict) -> SQSMessage:
        """Create an `SQSMessage` from one entry of a ReceiveMessage answer (a large payload is downloaded)."""
        sqs_message = self.read_raw_message(consumer, raw_message)
        resolve_payload(sqs_message)
        return sqs_message

    def read_raw_message(self, consumer: Any, raw_message: dict) -> SQSMessage:
        """
        `parse_raw_message` without the download: a large message only notes its pointer.

        The daemon's poller reads this way, so that the download (`offload.resolve_payload`) runs
        on the worker that handles the message.

        """
        body = self.parse_body(raw_message)
        if self.should_validate_md5:
            self.validate_md5(raw_message, body)
        message, topic_arn, envelope_attributes = self.unwrap(body)
        pointer = parse_pointer(message)
        media_type, content = (None, None) if pointer else self.parse_media_type_and_content(message)
        message_attributes = self.parse_message_attributes(raw_message)
        check_media_type_attribute(media_type, envelope_attributes, message_attributes)
        attributes = self.parse_attributes(raw_message)
        sqs_message = SQSMessage(
            consumer=consumer,
            content=content,
            media_type=media_type,
            message_id=self.parse_message_id(raw_message),
            receipt_handle=self.parse_receipt_handle(raw_message),
            topic_arn=topic_arn,
            approximate_receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
        )
        sqs_message.attributes = attributes
        note_trace_carrier(sqs_message, envelope_attributes, message_attributes)
        if pointer:
            size = declared_size(envelope_attributes, message_attributes)
            self.note_offloaded(sqs_message, pointer, size, (envelope_attributes, message_attributes))
        return sqs_message

    def note_offloaded(self, sqs_message: SQSMessage, pointer: PayloadPointer, size: Optional[int],
                       attribute_sets: tuple[Optional[dict], ...] = ()) -> None:
        """
        Attach the pointer, and how the payload will fill the message once downloaded.

        The downloaded body's media type is checked against the `media_type` attribute the
        message arrived with, as a small message's is on receipt (`check_media_type_attribute`).
        """
        def decode(payload: str) -> None:
            message, inner_topic_arn = self.parse_envelope(payload)
            media_type, content = self.parse_media_type_and_content(message)
            check_media_type_attribute(media_type, *attribute_sets)
            sqs_message.media_type, sqs_message.content = media_type, content
            sqs_message.topic_arn = sqs_message.topic_arn or inner_topic_arn

        setattr(sqs_message, OFFLOADED_ATTRIBUTE, OffloadedPayload(pointer, size, self.payload_resolver, decode))

    def parse_message_attributes(self, raw_message: dict) -> dict:
        """SQS message attributes (present when ReceiveMessage asked for them)."""
        return raw_message.get("MessageAttributes") or {}

    def parse_message_id(self, raw_message: dict) -> str:
        return raw_message["MessageId"]

    def parse_receipt_handle(self, raw_message: dict) -> str:
        return raw_message["ReceiptHandle"]

    def parse_attributes(self, raw_message: dict) -> dict:
        return raw_message.get("Attributes") or {}

    def parse_body(self, raw_message: dict) -> Any:
        return raw_message["Body"]

    def expected_md5(self, raw_message: dict) -> str:
        return raw_message["MD5OfBody"]

    def validate_md5(self, raw_message: dict, body: Any) -> None:
        """Reject a body whose MD5 differs from the one SQS computed (tampering or corruption)."""
        expected = self.expected_md5(raw_message)
        actual = md5(body.encode() if isinstance(body, str) else body).hexdigest()
        if expected != actual:
            raise ValidationError(f"MD5 validation failed. Expected: {expected} Actual: {actual}")


class RawSQSEnvelope(RawMessageBodyParser, RawMediaTypeAndContentParser, SQSEnvelope):
    """Plain JSON bodies with no media type: content is the body, media type application/json."""


class CodecSQSEnvelope(SNSMessageBodyParser, CodecMediaTypeAndContentParser, SQSEnvelope):
    """The default: SNS-wrapped or raw bodies, decoded by the schema of their media type."""


class NaiveSQSEnvelope(RawMessageBodyParser, NaiveMediaTypeAndContentParser, SQSEnvelope):
    """Lines read from stdin or a file: the line is the message, ids are made up."""

    def parse_message_id(self, raw_message: Any) -> str:
        return f"message-id-{uuid4()}"

    def parse_receipt_handle(self, raw_message: Any) -> str:
        return f"receipt-handle-{uuid4()}"

    def parse_attributes(self, raw_message: Any) -> dict:
        return {}

    def parse_message_attributes(self, raw_message: Any) -> dict:
        return {}

    def parse_body(self, raw_message: Any) -> Any:
        return raw_message


class LambdaSQSEnvelope(SNSMessageBodyParser, CodecMediaTypeAndContentParser, SQSEnvelope):
    """Records of a Lambda SQS event, whose keys are camelCase."""

    def parse_message_id(self, raw_message: dict) -> str:
        return raw_message["messageId"]

    def parse_receipt_handle(self, raw_message: dict) -> str:
        return raw_message["receiptHandle"]

    def parse_attributes(self, raw_message: dict) -> dict:
        attributes = raw_message.get("attributes") or {}
        count = attributes.get("ApproximateReceiveCount", attributes.get("approximateReceiveCount", 1))
        return {**attributes, "ApproximateReceiveCount": count}

    def parse_message_attributes(self, raw_message: dict) -> dict:
        return raw_message.get("messageAttributes") or {}

    def parse_body(self, raw_message: dict) -> Any:
        return raw_message["body"]

    def expected_md5(self, raw_message: dict) -> str:
        return raw_message["md5OfBody"]


def _strategies() -> dict[str, type]:
    found: dict[str, type] = {}
    pending = list(SQSEnvelope.__subclasses__())
    while pending:
        strategy = pending.pop()
        found[strategy.__name__] = strategy
        pending.extend(strategy.__subclasses__())
    return found


@defaults(
    # class name of the enveloping strategy (CodecSQSEnvelope, RawSQSEnvelope, ...)
    strategy_name="CodecSQSEnvelope",
    # compare each body's MD5 with the one SQS sent
    validate_md5=typed(boolean, default_value=False),
)
def configure_sqs_envelope(graph: Any) -> SQSEnvelope:
    name = graph.config.sqs_envelope.strategy_name
    strategies = _strategies()
    try:
        return strategies[name](graph)
    except KeyError:
        raise ConfigurationError(
            f"unknown enveloping strategy {name!r} in sqs_envelope.strategy_name "
            f"(env NAME__SQS_ENVELOPE__STRATEGY_NAME): choose one of {', '.join(sorted(strategies))}"
        ) from None
