"""
Producing large messages: they go to S3 and SNS carries the extended clients' pointer.

"""
from hashlib import sha256
from json import loads

import pytest
from offload_support import BLOB, BUCKET, MIB, CallRecorder, blob, object_body

from microcosm_pubsub.batch import MessageBatchSchema
from microcosm_pubsub.deferred import DeferredBatchProducer, DeferredProducer
from microcosm_pubsub.errors import ConfigurationError, MessageTooLargeError, PublishError
from microcosm_pubsub.handlers import PublishBatchMessage
from microcosm_pubsub.offload import POINTER_CLASS, PayloadStoreError


def test_a_large_message_is_stored_in_s3_and_published_as_a_pointer(offload_graph, core_broker, s3):
    """A 1 MiB message reaches the queue as a pointer whose S3 object is the exact message, sized in an attribute."""
    message_id = offload_graph.sns_producer.produce(BLOB, blob("big"))

    [notification] = core_broker.notifications()
    assert notification["MessageId"] == message_id
    kind, location = loads(notification["Message"])
    assert kind == POINTER_CLASS and location["s3BucketName"] == BUCKET
    payload = object_body(s3, notification["Message"])
    assert loads(payload)["mediaType"] == BLOB and loads(payload)["data"] == "x" * MIB
    attributes = notification["MessageAttributes"]
    assert attributes["ExtendedPayloadSize"] == {"Type": "Number", "Value": str(len(payload.encode()))}
    assert attributes["media_type"]["Value"] == BLOB


def test_small_messages_stay_inline_unless_always_is_set(make_offload_graph, core_broker, s3):
    """Below the threshold a message is published as itself; `large_payload_always` sends it through S3 anyway."""
    make_offload_graph().sns_producer.produce(BLOB, blob("small", 100))
    make_offload_graph(producer=dict(large_payload_always=True)).sns_producer.produce(BLOB, blob("always", 100))

    inline, offloaded = core_broker.notifications()
    assert loads(inline["Message"])["name"] == "small"
    assert loads(object_body(s3, offloaded["Message"]))["name"] == "always"


def test_the_threshold_and_prefix_are_configurable(make_offload_graph, core_broker, s3):
    """A lower threshold offloads smaller messages, under keys starting with the prefix."""
    graph = make_offload_graph(producer=dict(large_payload_threshold=1000, large_payload_prefix="pubsub/"))
    graph.sns_producer.produce(BLOB, blob("medium", 2000))
    graph.sns_producer.produce(BLOB, blob("tiny", 10))

    offloaded, inline = core_broker.notifications()
    assert loads(offloaded["Message"])[1]["s3Key"].startswith("pubsub/")
    assert loads(inline["Message"])["name"] == "tiny"


def test_without_a_bucket_the_error_names_the_setting(core_make_graph):
    """Offloading off: an oversized message raises MessageTooLargeError that says to set large_payload_bucket."""
    graph = core_make_graph()
    with pytest.raises(MessageTooLargeError, match="sns_producer.large_payload_bucket"):
        graph.sns_producer.produce(BLOB, blob("big"))


def test_a_threshold_over_the_sns_limit_is_a_configuration_error(make_offload_graph):
    """A threshold SNS could not honour fails at startup, naming the key and its env var."""
    with pytest.raises(ConfigurationError, match="large_payload_threshold .*TEST__SNS_PRODUCER__"):
        make_offload_graph(producer=dict(large_payload_threshold=300000)).sns_producer


def test_always_without_a_bucket_is_a_configuration_error(core_make_graph):
    """`large_payload_always` with no bucket fails at startup, naming the missing key."""
    graph = core_make_graph(sns_producer=dict(large_payload_always=True))
    with pytest.raises(ConfigurationError, match="large_payload_bucket"):
        graph.sns_producer


def test_a_failed_upload_publishes_nothing(make_offload_graph, core_broker):
    """When S3 refuses the payload (no such bucket) the publish fails with a PublishError and SNS sends nothing."""
    graph = make_offload_graph(producer=dict(large_payload_bucket="no-such-bucket"))
    with pytest.raises(PayloadStoreError, match="s3://no-such-bucket/") as raised:
        graph.sns_producer.produce(BLOB, blob("lost"))
    assert isinstance(raised.value, PublishError)
    assert core_broker.notifications() == []


def test_produce_batch_packs_by_the_pointer_size(offload_graph, core_broker, s3):
    """Twelve 300 KiB messages cost two PublishBatch calls (packed by pointer), and all arrive."""
    calls = CallRecorder(offload_graph.sns_producer.sns_client)

    ids = offload_graph.sns_producer.produce_batch(BLOB, [blob(f"m{index}", 300 * 1024) for index in range(12)])

    assert len(ids) == 12 and all(ids)
    assert [len(call["PublishBatchRequestEntries"]) for call in calls.named("PublishBatch")] == [10, 2]
    names = sorted(loads(object_body(s3, note["Message"]))["name"] for note in core_broker.notifications())
    assert names == sorted(f"m{index}" for index in range(12))


def test_fifo_keeps_the_group_and_deduplicates_by_the_payload(make_offload_graph, core_broker, s3):
    """On a FIFO topic the pointer keeps its group, and the deduplication id is the payload's digest."""
    topic_arn = core_broker.sns.create_topic(
        Name="offload.fifo", Attributes=dict(FifoTopic="true"),
    )["TopicArn"]
    graph = make_offload_graph(sns_topic_arns=dict(default=topic_arn))
    calls = CallRecorder(graph.sns_producer.sns_client)

    graph.sns_producer.produce(BLOB, blob("fifo"))

    [publish] = calls.named("Publish")
    assert publish["MessageGroupId"] == BLOB
    payload = object_body(s3, publish["Message"])
    assert publish["MessageDeduplicationId"] == sha256(payload.encode()).hexdigest()


def test_the_deferred_producer_offloads_each_message_on_exit(offload_graph, core_broker, s3):
    """Deferred: one Publish per message on a clean exit, large ones as pointers; nothing uploaded before."""
    calls = CallRecorder(offload_graph.sns_producer.payload_offloader.store.s3_client)
    with DeferredProducer(offload_graph.sns_producer) as producer:
        producer.produce(BLOB, blob("first"))
        producer.produce(BLOB, blob("second", 10))
        assert calls.named("PutObject") == []

    first, second = core_broker.notifications()
    assert loads(object_body(s3, first["Message"]))["name"] == "first"
    assert loads(second["Message"])["name"] == "second"


def test_a_failed_unit_of_work_uploads_and_publishes_nothing(offload_graph, core_broker, s3):
    """Deferred: an exception in the unit of work leaves no message and no S3 object."""
    with pytest.raises(RuntimeError):
        with DeferredProducer(offload_graph.sns_producer) as producer:
            producer.produce(BLOB, blob("never"))
            raise RuntimeError("unit of work failed")

    assert core_broker.notifications() == []
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_large_deferred_batch_is_offloaded_and_republished(make_offload_graph, core_broker, s3):
    """A batch_message of two 1 MiB messages goes through S3; republishing its entries offloads each again."""
    offload_graph = make_offload_graph(
        sns_topic_arns=dict(mappings={MessageBatchSchema.MEDIA_TYPE: core_broker.topic_arn}),
    )
    with DeferredBatchProducer(offload_graph.sns_producer) as producer:
        producer.produce(BLOB, blob("one"))
        producer.produce(BLOB, blob("two"))
    [batch] = core_broker.notifications()
    batch_content = loads(object_body(s3, batch["Message"]))
    assert batch_content["mediaType"] == MessageBatchSchema.MEDIA_TYPE

    codec = offload_graph.pubsub_message_schema_registry.find(MessageBatchSchema.MEDIA_TYPE)
    PublishBatchMessage(offload_graph)(codec.decode(batch_content))

    names = [loads(object_body(s3, note["Message"]))["name"] for note in core_broker.notifications()]
    assert names == ["one", "two"]
