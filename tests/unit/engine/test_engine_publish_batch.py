"""
The bulk publish path: PublishBatch calls split by count and size, per-entry failures named.

"""
from unittest.mock import MagicMock

import pytest
from engine_support import PROBE

from microcosm_pubsub.errors import BatchPublishError
from microcosm_pubsub.limits import SNS_MAX_MESSAGE_BYTES
from microcosm_pubsub.observability.carrier import TRACE_ATTRIBUTES_MAX_BYTES
from microcosm_pubsub.producer import PubsubMessage, chunk_by_count_and_size


TOPIC = "arn:aws:sns:us-east-1:123456789012:engine-topic"
LARGE = 100 * 1024


def encoded(count, body_bytes=10, topic_arn=TOPIC):
    """`count` encoded messages whose bodies are `body_bytes` long."""
    return [
        PubsubMessage(media_type=PROBE, message="x" * body_bytes, message_attributes={}, opaque_data={},
                      topic_arn=topic_arn)
        for _ in range(count)
    ]


def test_small_messages_are_chunked_by_count():
    """25 small messages make PublishBatch chunks of 10, 10 and 5, in order."""
    chunks = list(chunk_by_count_and_size(encoded(25)))

    assert [len(chunk) for chunk in chunks] == [10, 10, 5]
    assert [index for chunk in chunks for index in chunk] == list(range(25))


def test_large_messages_are_chunked_by_size():
    """~100 KiB messages go at most 2 per chunk, each chunk under the SNS request limit."""
    messages = encoded(7, body_bytes=LARGE)

    chunks = list(chunk_by_count_and_size(messages))

    assert [len(chunk) for chunk in chunks] == [2, 2, 2, 1]
    assert all(sum(messages[index].size for index in chunk) <= SNS_MAX_MESSAGE_BYTES for chunk in chunks)
    assert [index for chunk in chunks for index in chunk] == list(range(7))


def test_chunks_leave_room_for_the_trace_attributes():
    """Messages that fill 256 KiB exactly are split: trace attributes added later must still fit."""
    messages = encoded(4, body_bytes=SNS_MAX_MESSAGE_BYTES // 4 - 200)
    assert sum(message.size for message in messages) <= SNS_MAX_MESSAGE_BYTES

    chunks = list(chunk_by_count_and_size(messages))

    assert len(chunks) == 2
    assert all(sum(messages[index].size + TRACE_ATTRIBUTES_MAX_BYTES for index in chunk) <= SNS_MAX_MESSAGE_BYTES
               for chunk in chunks)


def test_chunks_never_mix_topics():
    """Messages for two topics, interleaved, are chunked per topic."""
    messages = [message for pair in zip(encoded(6), encoded(6, topic_arn=TOPIC + "-other")) for message in pair]

    chunks = list(chunk_by_count_and_size(messages))

    assert [len({messages[index].topic_arn for index in chunk}) for chunk in chunks] == [1, 1]
    assert sorted(index for chunk in chunks for index in chunk) == list(range(12))


@pytest.fixture
def producer(core_graph):
    """The graph's real producer, publishing to `core_broker`'s topic on moto."""
    return core_graph.sns_producer


@pytest.fixture
def publish_batch_calls(producer):
    """How many PublishBatch calls the producer's client sends (a botocore event hook)."""
    calls = []
    producer.sns_client.meta.events.register("before-call.sns.PublishBatch", lambda **kwargs: calls.append(1))
    return calls


def test_produce_batch_of_large_messages_delivers_all(producer, publish_batch_calls, core_broker):
    """Five ~100 KiB messages are published with three PublishBatch calls and all arrive."""
    ids = producer.produce_batch(PROBE, [dict(index=index, padding="p" * LARGE) for index in range(5)])

    assert len(publish_batch_calls) == 3
    assert len(ids) == 5 and all(ids)
    assert sorted(message["index"] for message in core_broker.published()) == list(range(5))


def dropping_entry(client, failed_id):
    """A `publish_batch` that publishes every entry but `failed_id`, which it answers as Failed."""
    def publish_batch(TopicArn, PublishBatchRequestEntries):
        kept = [entry for entry in PublishBatchRequestEntries if entry["Id"] != failed_id]
        response = client.publish_batch(TopicArn=TopicArn, PublishBatchRequestEntries=kept)
        if len(kept) < len(PublishBatchRequestEntries):
            response["Failed"] = [dict(Id=failed_id, Code="InternalError", Message="try again", SenderFault=False)]
        return response
    return publish_batch


def test_produce_batch_names_the_failed_entry_and_publishes_the_rest(producer, core_broker):
    """A Failed entry in the second chunk raises BatchPublishError naming its position; 24 arrive."""
    real = producer.sns_client
    producer.sns_client = MagicMock(wraps=real)
    producer.sns_client.publish_batch.side_effect = dropping_entry(real, failed_id="13")

    with pytest.raises(BatchPublishError) as raised:
        producer.produce_batch(PROBE, [dict(index=index) for index in range(25)])

    error = raised.value
    assert "entry 13: InternalError try again" in str(error)
    assert [entry["index"] for entry in error.failed] == [13]
    assert error.message_ids[13] is None
    assert all(message_id for index, message_id in enumerate(error.message_ids) if index != 13)
    assert producer.sns_client.publish_batch.call_count == 3
    assert sorted(message["index"] for message in core_broker.published()) == [i for i in range(25) if i != 13]
