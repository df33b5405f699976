"""
SQSConsumer against moto: receiving SNS-wrapped and raw bodies, acking and nacking.

"""
from json import dumps
from unittest.mock import MagicMock

import pytest

from microcosm_pubsub.consumer import STDIN, SQSConsumer
from microcosm_pubsub.conventions import created
from microcosm_pubsub.errors import Nack
from microcosm_pubsub.message import SQSMessage


THING = created("core_consumer_thing")
URI = "http://example.com/things/1"


@pytest.fixture
def consumer(core_graph):
    """The graph's real consumer, over a real (moto) SQS client."""
    return core_graph.sqs_consumer


@pytest.fixture
def spied_consumer(consumer):
    """The consumer with its client wrapped in a MagicMock that records every call."""
    consumer.sqs_client = MagicMock(wraps=consumer.sqs_client)
    return consumer


def send_thing(core_broker, **fields):
    """Send a raw-delivered THING message straight to the queue."""
    core_broker.send(dumps(dict(mediaType=THING, uri=URI, **fields)))


def test_consumer_exposes_its_settings(consumer, core_broker):
    """The consumer exposes its client, envelope, queue, limit, wait and backoff policy."""
    assert consumer.sqs_queue_url == core_broker.queue_url
    assert consumer.limit == 10
    assert consumer.wait_seconds == 0
    assert consumer.sqs_envelope is not None and consumer.backoff_policy is not None
    assert isinstance(consumer, SQSConsumer)
    assert STDIN == "STDIN"


def test_consume_receives_with_upstream_keywords(spied_consumer, core_broker):
    """`consume` calls `receive_message` with the keywords the earlier library used."""
    spied_consumer.consume()

    spied_consumer.sqs_client.receive_message.assert_called_once_with(
        AttributeNames=["ApproximateReceiveCount"],
        MaxNumberOfMessages=10,
        QueueUrl=core_broker.queue_url,
        WaitTimeSeconds=0,
    )


def test_consume_returns_sns_wrapped_messages(core_graph, consumer, core_broker):
    """A message published through SNS is decoded, with its topic ARN set from the envelope."""
    core_graph.sns_producer.produce(THING, uri=URI)

    [message] = consumer.consume()

    assert isinstance(message, SQSMessage)
    assert message.media_type == THING
    assert message.content["uri"] == URI
    assert message.uri == URI
    assert message.topic_arn == core_broker.topic_arn
    assert message.approximate_receive_count == 1
    assert message.message_id and message.receipt_handle


def test_consume_returns_raw_messages(consumer, core_broker):
    """A raw-delivered body is decoded too, without a topic ARN."""
    send_thing(core_broker, opaqueData={"x-request-ttl": "5"})

    [message] = consumer.consume()

    assert message.content == dict(media_type=THING, uri=URI, opaque_data={"x-request-ttl": "5"})
    assert message.topic_arn is None
    assert message.ttl == 5


def test_opaque_data_is_the_live_content_dict(consumer, core_broker):
    """`opaque_data` is the content's own dict, and `{}` when there is none."""
    send_thing(core_broker, opaqueData={"a": "b"})
    [message] = consumer.consume()

    message.opaque_data["c"] = "d"

    assert message.content["opaque_data"] == {"a": "b", "c": "d"}
    assert SQSMessage(None, None, None, None, None).opaque_data == {}


def test_receive_count_is_read(consumer, core_broker):
    """A message received again reports a higher approximate receive count."""
    send_thing(core_broker)
    [first] = consumer.consume()
    first.nack(0)

    [second] = consumer.consume()

    assert second.approximate_receive_count == 2


def test_ack_is_one_delete_message_call(spied_consumer, core_broker):
    """`ack` is exactly one `delete_message(QueueUrl=, ReceiptHandle=)` and the message is gone."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    message.ack()

    spied_consumer.sqs_client.delete_message.assert_called_once_with(
        QueueUrl=core_broker.queue_url, ReceiptHandle=message.receipt_handle,
    )
    assert core_broker.receive() == []


def test_nack_is_one_change_visibility_call(spied_consumer, core_broker):
    """`nack` is one `change_message_visibility` with the policy's default timeout (5 s)."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    spied_consumer.nack(message)

    spied_consumer.sqs_client.change_message_visibility.assert_called_once_with(
        QueueUrl=core_broker.queue_url, ReceiptHandle=message.receipt_handle, VisibilityTimeout=5,
    )


def test_nack_zero_makes_the_message_visible_at_once(spied_consumer, core_broker):
    """`nack(0)` sets visibility 0, so the message can be received again immediately."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    message.nack(0)

    assert spied_consumer.sqs_client.change_message_visibility.call_args.kwargs["VisibilityTimeout"] == 0
    assert len(spied_consumer.consume()) == 1


def test_with_message_acks_on_clean_exit(spied_consumer, core_broker):
    """Leaving `with message:` cleanly deletes the message."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    with message as entered:
        assert entered is message

    spied_consumer.sqs_client.delete_message.assert_called_once()
    spied_consumer.sqs_client.change_message_visibility.assert_not_called()


def test_with_message_nacks_on_exception(spied_consumer, core_broker):
    """An exception inside `with message:` nacks with the default timeout and propagates."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    with pytest.raises(RuntimeError):
        with message:
            raise RuntimeError("handler failed")

    spied_consumer.sqs_client.delete_message.assert_not_called()
    assert spied_consumer.sqs_client.change_message_visibility.call_args.kwargs["VisibilityTimeout"] == 5


def test_with_message_uses_a_nacks_timeout(spied_consumer, core_broker):
    """A `Nack` raised inside `with message:` nacks with its own timeout."""
    send_thing(core_broker)
    [message] = spied_consumer.consume()

    with pytest.raises(Nack):
        with message:
            raise Nack(0)

    assert spied_consumer.sqs_client.change_message_visibility.call_args.kwargs["VisibilityTimeout"] == 0
    assert len(spied_consumer.consume()) == 1


@pytest.fixture
def mixed_batch(core_broker):
    """A queue holding two good messages among four bad ones, in a known order of kinds."""
    core_broker.send(dumps(dict(mediaType=THING, uri="http://example.com/good/1")))
    core_broker.send("this is not JSON")
    core_broker.send(dumps(dict(uri="http://example.com/no-media-type")))
    core_broker.send(dumps(dict(mediaType="application/vnd.core.consumer-unknown", uri=URI)))
    core_broker.send(dumps(dict(mediaType=THING)))
    core_broker.send(dumps(dict(mediaType=THING, uri="http://example.com/good/2")))


def test_bad_messages_do_not_spoil_the_batch(consumer, mixed_batch):
    """Good messages decode; each bad one comes back with no content and its own decode error."""
    messages = consumer.consume()
    assert len(messages) == 6

    good = [message for message in messages if message.content is not None]
    assert sorted(message.uri for message in good) == ["http://example.com/good/1", "http://example.com/good/2"]
    assert all(message.decode_error is None for message in good)

    unknown = [message for message in messages if message.media_type == "application/vnd.core.consumer-unknown"]
    assert [(message.content, message.decode_error) for message in unknown] == [(None, None)]

    broken = [message for message in messages if message.content is None and message not in unknown]
    assert len(broken) == 3
    assert all(message.decode_error is not None and message.message_id for message in broken)
    reasons = " | ".join(str(message.decode_error) for message in broken)
    assert "mediaType" in reasons
    assert "uri" in reasons


def test_consume_reads_the_current_client(consumer):
    """`consume` uses whatever client is assigned to `sqs_client` at the time."""
    consumer.sqs_client = MagicMock()
    consumer.sqs_client.receive_message.return_value = {}

    assert consumer.consume() == []
