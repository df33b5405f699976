"""
Envelopes: turning raw SQS entries (from moto), Lambda records and stdin lines into SQSMessages.

"""
from hashlib import md5
from json import dumps

import pytest
from marshmallow import ValidationError

from microcosm_pubsub.conventions import created
from microcosm_pubsub.envelope import (
    CodecSQSEnvelope,
    LambdaSQSEnvelope,
    NaiveSQSEnvelope,
    RawSQSEnvelope,
)
from microcosm_pubsub.errors import PubSubError


PART = created("core_envelope_part")
URI = "http://example.com/parts/1"


@pytest.fixture
def raw_message(core_broker):
    """Sends a body straight to the queue and returns the raw ReceiveMessage entry for it."""
    def receive(body):
        core_broker.send(body if isinstance(body, str) else dumps(body))
        [raw] = core_broker.receive()
        return raw
    return receive


@pytest.fixture
def lambda_record():
    """Builds one record of a Lambda SQS event."""
    def build(body, **attributes):
        body = body if isinstance(body, str) else dumps(body)
        return dict(
            messageId="lambda-message-id",
            receiptHandle="lambda-receipt",
            body=body,
            attributes=attributes,
            md5OfBody=md5(body.encode()).hexdigest(),
            eventSource="aws:sqs",
        )
    return build


def test_codec_unwraps_sns_notifications(core_graph, core_broker):
    """An SNS-wrapped body is unwrapped and decoded, its topic ARN and SQS ids kept."""
    core_graph.sns_producer.produce(PART, uri=URI)
    [raw] = core_broker.receive()

    message = CodecSQSEnvelope(core_graph).parse_raw_message(None, raw)

    assert message.media_type == PART
    assert message.content["uri"] == URI
    assert message.topic_arn == core_broker.topic_arn
    assert message.message_id == raw["MessageId"]
    assert message.receipt_handle == raw["ReceiptHandle"]
    assert message.approximate_receive_count == 1


def test_codec_accepts_raw_bodies_and_drops_unknown_fields(core_graph, raw_message):
    """A raw-delivered body is decoded directly, unknown fields dropped."""
    raw = raw_message(dict(mediaType=PART, uri=URI, extra="dropped"))

    message = CodecSQSEnvelope(core_graph).parse_raw_message(None, raw)

    assert message.content == dict(media_type=PART, uri=URI)
    assert message.topic_arn is None


def test_codec_unknown_type_has_no_content(core_graph, raw_message):
    """An unknown non-lifecycle media type gives `content=None` without raising."""
    raw = raw_message(dict(mediaType="application/vnd.core.envelope-unknown", uri=URI))

    message = CodecSQSEnvelope(core_graph).parse_raw_message(None, raw)

    assert message.media_type == "application/vnd.core.envelope-unknown"
    assert message.content is None


def test_codec_schema_failure_raises_validation_error(core_graph, raw_message):
    """Content that fails its schema raises a ValidationError naming the field."""
    raw = raw_message(dict(mediaType=PART))

    with pytest.raises(ValidationError, match="uri"):
        CodecSQSEnvelope(core_graph).parse_raw_message(None, raw)


def test_receive_count_defaults_to_one(core_graph):
    """An entry without attributes counts as received once."""
    raw = dict(MessageId="m", ReceiptHandle="r", Body=dumps(dict(mediaType=PART, uri=URI)))

    assert CodecSQSEnvelope(core_graph).parse_raw_message(None, raw).approximate_receive_count == 1


def test_raw_envelope_takes_the_body_as_content(core_graph, raw_message):
    """The raw strategy's content is the JSON body and its media type `application/json`."""
    raw = raw_message(dict(anything="goes", n=1))

    message = RawSQSEnvelope(core_graph).parse_raw_message(None, raw)

    assert message.media_type == "application/json"
    assert message.content == dict(anything="goes", n=1)


def test_naive_envelope_reads_a_line(core_graph):
    """A stdin line is the message itself: its media type, the other keys as content, made-up ids."""
    line = dict(mediaType=PART, uri=URI)

    message = NaiveSQSEnvelope(core_graph).parse_raw_message(None, line)

    assert message.media_type == PART
    assert message.content == dict(uri=URI)
    assert message.message_id and message.receipt_handle


def test_lambda_envelope_reads_record_keys(core_graph, lambda_record):
    """A Lambda record's camelCase ids, body and receive count are read."""
    record = lambda_record(dict(mediaType=PART, uri=URI), ApproximateReceiveCount="3")

    message = LambdaSQSEnvelope(core_graph).parse_raw_message(None, record)

    assert message.message_id == "lambda-message-id"
    assert message.receipt_handle == "lambda-receipt"
    assert message.content == dict(media_type=PART, uri=URI)
    assert message.approximate_receive_count == 3


def test_lambda_envelope_receive_count_defaults_to_one(core_graph, lambda_record):
    """A Lambda record without the count counts as received once."""
    message = LambdaSQSEnvelope(core_graph).parse_raw_message(None, lambda_record(dict(mediaType=PART, uri=URI)))

    assert message.approximate_receive_count == 1


@pytest.fixture
def md5_graph(core_make_graph):
    """A graph whose envelope validates body MD5s."""
    return core_make_graph(sqs_envelope=dict(validate_md5=True))


def test_validate_md5_accepts_a_matching_body(md5_graph, raw_message):
    """With `validate_md5`, a body matching SQS's MD5 is parsed."""
    raw = raw_message(dict(mediaType=PART, uri=URI))

    assert md5_graph.sqs_envelope.parse_raw_message(None, raw).uri == URI


def test_validate_md5_rejects_a_tampered_body(md5_graph, raw_message):
    """With `validate_md5`, a body that does not match its MD5 raises a ValidationError."""
    raw = raw_message(dict(mediaType=PART, uri=URI))
    raw["Body"] = dumps(dict(mediaType=PART, uri="http://evil.example.com"))

    with pytest.raises(ValidationError, match="MD5"):
        md5_graph.sqs_envelope.parse_raw_message(None, raw)


def test_validate_md5_of_lambda_records(core_make_graph, lambda_record):
    """Lambda records are checked against their `md5OfBody`."""
    graph = core_make_graph(sqs_envelope=dict(validate_md5=True, strategy_name="LambdaSQSEnvelope"))
    record = lambda_record(dict(mediaType=PART, uri=URI))
    graph.sqs_envelope.parse_raw_message(None, record)

    record["md5OfBody"] = "0" * 32
    with pytest.raises(ValidationError):
        graph.sqs_envelope.parse_raw_message(None, record)


def test_md5_is_not_checked_by_default(core_graph, raw_message):
    """Without `validate_md5`, a mismatched MD5 is not an error."""
    raw = raw_message(dict(mediaType=PART, uri=URI))
    raw["MD5OfBody"] = "0" * 32

    assert core_graph.sqs_envelope.parse_raw_message(None, raw).uri == URI


@pytest.mark.parametrize("name, strategy", [
    ("CodecSQSEnvelope", CodecSQSEnvelope),
    ("RawSQSEnvelope", RawSQSEnvelope),
    ("NaiveSQSEnvelope", NaiveSQSEnvelope),
    ("LambdaSQSEnvelope", LambdaSQSEnvelope),
])
def test_strategy_is_chosen_by_name(core_make_graph, name, strategy):
    """`sqs_envelope.strategy_name` picks the enveloping strategy; Codec is the default."""
    assert type(core_make_graph(sqs_envelope=dict(strategy_name=name)).sqs_envelope) is strategy


def test_default_strategy_is_codec(core_graph):
    """Without configuration the envelope is the codec strategy."""
    assert type(core_graph.sqs_envelope) is CodecSQSEnvelope


def test_unknown_strategy_names_the_config_key(core_make_graph):
    """An unknown strategy name fails with an error naming `sqs_envelope.strategy_name`."""
    with pytest.raises(PubSubError, match="sqs_envelope.strategy_name"):
        core_make_graph(sqs_envelope=dict(strategy_name="Nope")).sqs_envelope
