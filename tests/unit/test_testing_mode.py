"""
Testing mode: real producer and consumer over MagicMock clients, as existing suites expect.

"""
from json import dumps, loads
from unittest.mock import MagicMock

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.consumer import SQSConsumer
from microcosm_pubsub.conventions import created
from microcosm_pubsub.producer import SNSProducer


TOPIC = "arn:aws:sns:us-east-1:123456789012:core-testing-topic"
NOTE = created("core_testing_note")
URI = "http://example.com/notes/1"


def make_testing_graph(**config):
    """A testing graph with a default topic and the given extra config."""
    return create_object_graph(
        "test", testing=True, loader=load_from_dict(sns_topic_arns=dict(default=TOPIC), **config),
    )


@pytest.fixture
def graph():
    """A testing graph with a default topic."""
    return make_testing_graph()


def test_clients_are_magic_mocks_inside_real_components(graph):
    """The producer and consumer are real; their SNS and SQS clients are MagicMocks."""
    assert isinstance(graph.sns_producer, SNSProducer)
    assert isinstance(graph.sns_producer.sns_client, MagicMock)
    assert isinstance(graph.sqs_consumer, SQSConsumer)
    assert isinstance(graph.sqs_consumer.sqs_client, MagicMock)


def test_plain_testing_graph_resolves_without_settings():
    """`create_object_graph("test", testing=True)` resolves both components with no config."""
    graph = create_object_graph("test", testing=True)

    assert isinstance(graph.sns_producer.sns_client, MagicMock)
    assert isinstance(graph.sqs_consumer.sqs_client, MagicMock)


def test_publish_call_args_can_be_asserted(graph):
    """A produce is one `publish` call whose keywords are TopicArn, Message and MessageAttributes."""
    graph.sns_producer.produce(NOTE, uri=URI)

    graph.sns_producer.sns_client.publish.assert_called_once()
    kwargs = graph.sns_producer.sns_client.publish.call_args.kwargs
    assert set(kwargs) == {"TopicArn", "Message", "MessageAttributes"}
    assert kwargs["TopicArn"] == TOPIC
    assert kwargs["MessageAttributes"] == {"media_type": {"DataType": "String", "StringValue": NOTE}}
    message = loads(kwargs["Message"])
    assert message["mediaType"] == NOTE and message["uri"] == URI


def test_produce_returns_the_mock_message_id(graph):
    """`produce` returns whatever the client's publish answered under `MessageId`."""
    graph.sns_producer.sns_client.publish.return_value = dict(MessageId="mock-id")

    assert graph.sns_producer.produce(NOTE, uri=URI) == "mock-id"


def test_receive_message_return_value_feeds_consume(graph):
    """Setting `receive_message.return_value` makes `consume()` return those messages."""
    graph.sqs_consumer.sqs_client.receive_message.return_value = {"Messages": [
        dict(MessageId="m-1", ReceiptHandle="r-1", Body=dumps(dict(mediaType=NOTE, uri=URI))),
    ]}

    [message] = graph.sqs_consumer.consume()

    assert (message.message_id, message.media_type, message.uri) == ("m-1", NOTE, URI)


def test_ack_can_be_asserted(graph):
    """An ack shows up as one `delete_message` call on the mock client."""
    graph.sqs_consumer.sqs_client.receive_message.return_value = {"Messages": [
        dict(MessageId="m-1", ReceiptHandle="r-1", Body=dumps(dict(mediaType=NOTE, uri=URI))),
    ]}
    [message] = graph.sqs_consumer.consume()

    message.ack()

    graph.sqs_consumer.sqs_client.delete_message.assert_called_once_with(QueueUrl=None, ReceiptHandle="r-1")


def test_consume_without_setup_returns_nothing(graph):
    """An unconfigured mock client yields no messages."""
    assert graph.sqs_consumer.consume() == []


def test_mock_sns_false_makes_the_producer_a_magic_mock():
    """With `sns_producer.mock_sns=False` the whole producer is a MagicMock."""
    graph = make_testing_graph(sns_producer=dict(mock_sns=False))

    assert isinstance(graph.sns_producer, MagicMock)
    graph.sns_producer.produce(NOTE, uri=URI)
    graph.sns_producer.produce.assert_called_once_with(NOTE, uri=URI)


def test_producer_metrics_are_called_once_per_publish(graph):
    """Each publish calls the producer's `pubsub_producer_metrics` once, with the media type."""
    graph.sns_producer.pubsub_producer_metrics = MagicMock()

    graph.sns_producer.produce(NOTE, uri=URI)

    graph.sns_producer.pubsub_producer_metrics.assert_called_once()
    assert graph.sns_producer.pubsub_producer_metrics.call_args.kwargs["media_type"] == NOTE
