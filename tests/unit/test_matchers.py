"""
Matchers: asserting on what a producer published, from a mocked SNS client or a mock producer.

"""
from json import dumps
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from hamcrest import assert_that, contains_string, ends_with, starts_with

from microcosm_pubsub.matchers import (
    PublishedMessage,
    has_media_type,
    has_uri,
    published,
    published_inanyorder,
    published_messages_for,
    published_nothing,
)


TOPIC = "arn:aws:sns:us-east-1:123456789012:topic"
CREATED_FOO = "application/vnd.globality.pubsub._.created.foo"
DELETED_BAR = "application/vnd.globality.pubsub._.deleted.bar"


def publish_body(media_type, **fields):
    """The JSON body the producer sends for one message."""
    return dumps(dict(mediaType=media_type, opaqueData={}, **fields))


@pytest.fixture
def client_producer():
    """A real-producer stand-in whose `sns_client` is a MagicMock that saw two publishes."""
    client = MagicMock()
    client.publish(TopicArn=TOPIC, Message=publish_body(CREATED_FOO, uri="http://foo/1"))
    client.get_topic_attributes(TopicArn=TOPIC)
    client.publish(TopicArn=TOPIC, Message=publish_body(DELETED_BAR, uri="http://bar/2"))
    return SimpleNamespace(sns_client=client)


@pytest.fixture
def mock_producer():
    """A MagicMock producer (the `mock_sns=False` mode) asked for two messages."""
    producer = MagicMock()
    producer.produce(CREATED_FOO, uri="http://foo/1")
    producer.produce(DELETED_BAR, dict(uri="http://bar/2"))
    producer.something_else("ignored")
    return producer


def test_messages_are_read_from_client_publish_calls(client_producer):
    """Each SNS `publish` call becomes a message with its topic and decoded JSON body."""
    messages = published_messages_for(client_producer)

    assert [message.topic_arn for message in messages] == [TOPIC, TOPIC]
    assert [message.media_type for message in messages] == [CREATED_FOO, DELETED_BAR]
    assert [message.uri for message in messages] == ["http://foo/1", "http://bar/2"]
    assert messages[0].message["opaqueData"] == {}


def test_messages_are_read_from_mock_producer_calls(mock_producer):
    """A mock producer's `produce` calls, keyword or positional dict, become messages."""
    assert published_messages_for(mock_producer) == [
        PublishedMessage(None, dict(mediaType=CREATED_FOO, uri="http://foo/1")),
        PublishedMessage(None, dict(mediaType=DELETED_BAR, uri="http://bar/2")),
    ]


def test_batch_calls_are_read_after_single_ones():
    """Entries of `publish_batch` (client) and `produce_batch` (mock producer) are messages too."""
    client = MagicMock()
    client.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=[
        dict(Id="0", Message=publish_body(CREATED_FOO, uri="http://foo/1")),
        dict(Id="1", Message=publish_body(CREATED_FOO, uri="http://foo/2")),
    ])
    producer = MagicMock()
    producer.produce_batch(CREATED_FOO, [dict(uri="http://foo/1"), dict(uri="http://foo/2")])

    for source in (SimpleNamespace(sns_client=client), producer):
        assert_that(source, published(has_uri("http://foo/1"), has_uri("http://foo/2")))


def test_published_matches_in_order(client_producer, mock_producer):
    """`published` accepts exactly the messages sent, in the order they were sent."""
    for producer in (client_producer, mock_producer):
        assert_that(producer, published(has_media_type(CREATED_FOO), has_media_type(DELETED_BAR)))
        with pytest.raises(AssertionError):
            assert_that(producer, published(has_media_type(DELETED_BAR), has_media_type()))
        with pytest.raises(AssertionError):
            assert_that(producer, published(has_media_type(CREATED_FOO)))


def test_published_inanyorder_ignores_order(client_producer):
    """`published_inanyorder` accepts the same messages in any order, but not fewer."""
    assert_that(client_producer, published_inanyorder(has_uri("http://bar/2"), has_uri()))
    with pytest.raises(AssertionError):
        assert_that(client_producer, published_inanyorder(has_uri("http://bar/2")))


def test_published_nothing():
    """`published_nothing` holds until the first message is published."""
    producer = MagicMock()
    producer.something_else()
    assert_that(producer, published_nothing())

    producer.produce(CREATED_FOO, uri="http://foo/1")
    with pytest.raises(AssertionError, match="a producer that published"):
        assert_that(producer, published_nothing())


def test_property_matchers_take_values_matchers_or_nothing(client_producer):
    """`has_media_type`/`has_uri` take a plain value, a matcher, or nothing for "not None"."""
    assert_that(client_producer, published(
        has_media_type(ends_with(".foo")),
        has_uri(starts_with("http://bar")),
    ))
    no_uri = PublishedMessage(TOPIC, dict(mediaType=CREATED_FOO))
    assert not has_uri().matches(no_uri)
    assert has_uri(None).matches(PublishedMessage(TOPIC, dict(uri="x")))


def test_mismatch_lists_the_published_messages(client_producer):
    """A failed assertion names the expected property and shows what was published."""
    with pytest.raises(AssertionError) as raised:
        assert_that(client_producer, published(has_uri("http://nope"), has_uri()))

    assert_that(str(raised.value), contains_string("a message with a uri matching 'http://nope'"))
    assert_that(str(raised.value), contains_string("http://bar/2"))


def test_non_json_publishes_are_ignored():
    """A `publish` whose body is not a JSON object is not one of our messages."""
    client = MagicMock()
    client.publish(TopicArn=TOPIC, Message="plain text")
    assert_that(SimpleNamespace(sns_client=client), published_nothing())


def test_producer_without_mock_client_is_refused():
    """A producer whose client is real cannot be inspected, and the error says what is needed."""
    with pytest.raises(TypeError, match="mock `sns_client`"):
        published_messages_for(SimpleNamespace(sns_client=object()))
