"""
SNSProducer against moto: real topics, queues and subscriptions, real boto3 clients.

"""
from json import loads
from time import time
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from marshmallow import ValidationError
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict, load_from_environ

from microcosm_pubsub.batch import MessageBatchSchema
from microcosm_pubsub.conventions import created, deleted
from microcosm_pubsub.errors import BatchPublishError, MessageTooLargeError, PublishError, TopicNotDefinedError
from microcosm_pubsub.producer import DeferredBatchProducer, DeferredProducer, deferred, iter_topic_mappings


ITEM = created("core_producer_item")
URI = "http://example.com/items/1"


def uris(count):
    """Message dicts with `count` distinct URIs."""
    return [dict(uri=f"http://example.com/items/{index}") for index in range(count)]


@pytest.fixture
def producer(core_graph):
    """The graph's real producer, over a real (moto) SNS client."""
    return core_graph.sns_producer


@pytest.fixture
def sns_calls(producer):
    """The SNS operation names the producer's client sends, in order (a botocore event hook)."""
    calls = []
    producer.sns_client.meta.events.register(
        "before-call.sns.*", lambda model, **kwargs: calls.append(model.name),
    )
    return calls


@pytest.fixture
def second_queue(core_broker):
    """A second topic, subscribed by its own queue."""
    topic_arn = core_broker.create_topic("core-second-topic")
    queue_url = core_broker.create_queue("core-second-queue")
    core_broker.subscribe(topic_arn, queue_url)
    return SimpleNamespace(topic_arn=topic_arn, queue_url=queue_url)


def test_produce_returns_the_sns_message_id(producer, core_broker):
    """`produce` returns the id SNS gave the message, which the subscribed queue sees."""
    message_id = producer.produce(ITEM, uri=URI)

    [notification] = core_broker.notifications()
    assert message_id == notification["MessageId"]


def test_message_arrives_wrapped_by_sns_with_the_media_type_attribute(producer, core_broker):
    """The queue receives an SNS notification carrying the JSON message and a `media_type` attribute."""
    producer.produce(ITEM, dict(uri=URI))

    [notification] = core_broker.notifications()
    assert notification["Type"] == "Notification"
    assert notification["TopicArn"] == core_broker.topic_arn
    assert notification["MessageAttributes"]["media_type"] == dict(Type="String", Value=ITEM)
    message = loads(notification["Message"])
    assert message["mediaType"] == ITEM
    assert message["uri"] == URI


def test_opaque_keys_are_lower_cased_and_stamped(producer, core_broker):
    """Outgoing opaque keys are lower-cased and `x-request-published` is the epoch time as a string."""
    before = time()
    producer.produce(ITEM, uri=URI, opaque_data={"X-Request-Id": "abc"})

    [message] = core_broker.published()
    opaque = message["opaqueData"]
    assert set(opaque) == {"x-request-id", "x-request-published"}
    assert opaque["x-request-id"] == "abc"
    assert isinstance(opaque["x-request-published"], str)
    assert before <= float(opaque["x-request-published"]) <= time()


def test_graph_opaque_wins_over_given_opaque_data(core_graph, core_broker):
    """The current request context (`graph.opaque`) is copied into the message and wins."""
    with core_graph.opaque.initialize(lambda: {"X-Request-Id": "from-context", "X-Other": "o"}):
        core_graph.sns_producer.produce(ITEM, uri=URI, opaque_data={"x-request-id": "given"})

    [message] = core_broker.published()
    assert message["opaqueData"]["x-request-id"] == "from-context"
    assert message["opaqueData"]["x-other"] == "o"


def test_mappings_route_exact_media_types(core_make_graph, core_broker, second_queue):
    """A media type in `mappings` goes to its topic; the others to the default topic."""
    graph = core_make_graph(sns_topic_arns=dict(mappings={ITEM: second_queue.topic_arn}))

    graph.sns_producer.produce(ITEM, uri=URI)
    graph.sns_producer.produce(created("core_producer_other"), uri=URI)

    assert [message["mediaType"] for message in core_broker.published(second_queue.queue_url)] == [ITEM]
    assert [message["mediaType"] for message in core_broker.published()] == [created("core_producer_other")]


def test_lifecycle_tables_route_by_resource(core_make_graph, core_broker, second_queue):
    """`created: {foo: arn}` and nested `{"b": {"c": arn}}` route `created.foo` and `created.b.c`."""
    graph = core_make_graph(sns_topic_arns=dict(
        default=None,
        created=dict(foo=second_queue.topic_arn, b=dict(c=second_queue.topic_arn)),
        deleted=dict(foo=core_broker.topic_arn),
    ))

    graph.sns_producer.produce(created("foo"), uri=URI)
    graph.sns_producer.produce(created("b.c"), uri=URI)
    graph.sns_producer.produce(deleted("foo"), id="1")

    assert [message["mediaType"] for message in core_broker.published(second_queue.queue_url)] == [
        created("foo"), created("b.c"),
    ]
    assert [message["mediaType"] for message in core_broker.published()] == [deleted("foo")]


def test_iter_topic_mappings_flattens_with_dots():
    """Nested lifecycle tables flatten into dotted resource names."""
    assert sorted(iter_topic_mappings({"a": "x", "b": {"c": "y", "d": {"e": "z"}}})) == [
        ("a", "x"), ("b.c", "y"), ("b.d.e", "z"),
    ]


def test_unrouted_media_type_says_how_to_configure(core_make_graph, core_broker):
    """Without a topic, `produce` raises TopicNotDefinedError telling which config keys to set."""
    graph = core_make_graph(sns_topic_arns=dict(default=None))

    with pytest.raises(TopicNotDefinedError) as raised:
        graph.sns_producer.produce(ITEM, uri=URI)

    assert ITEM in str(raised.value)
    assert "sns_topic_arns.mappings" in str(raised.value)
    assert "sns_topic_arns.default" in str(raised.value)
    assert core_broker.published() == []


def test_unknown_media_type_raises_key_error(producer, sns_calls):
    """A media type with no schema raises KeyError and nothing is sent."""
    with pytest.raises(KeyError):
        producer.produce("application/vnd.core.producer-unknown", uri=URI)

    assert sns_calls == []


def test_invalid_content_is_not_sent(producer, sns_calls):
    """Content its schema rejects raises a ValidationError before any call to SNS."""
    with pytest.raises(ValidationError) as raised:
        producer.produce(ITEM)

    assert "uri" in str(raised.value)
    assert sns_calls == []


@pytest.mark.parametrize("skip, skipped", [("true", True), ("false", False), (True, True), (False, False)])
def test_skip_accepts_strings_and_bools(core_make_graph, core_broker, skip, skipped):
    """`sns_producer.skip` as "true"/"false" or a bool decides whether anything is published."""
    graph = core_make_graph(sns_producer=dict(skip=skip))

    message_id = graph.sns_producer.produce(ITEM, uri=URI)

    assert (message_id is None) is skipped
    assert len(core_broker.published()) == (0 if skipped else 1)


def test_batch_media_type_never_uses_the_default_topic(producer):
    """The deferred-batch media type must be mapped explicitly, the default topic is not enough."""
    with pytest.raises(TopicNotDefinedError):
        producer.produce(MessageBatchSchema.MEDIA_TYPE, messages=[])


def test_deferred_producer_publishes_on_clean_exit_in_order(producer, core_broker, sns_calls):
    """Nothing is sent inside the block; on a clean exit each message is one Publish, in order."""
    with DeferredProducer(producer) as deferred_producer:
        assert deferred_producer.produce(ITEM, uri="http://example.com/1") is None
        deferred_producer.produce(ITEM, uri="http://example.com/2")
        assert sns_calls == []

    assert sns_calls == ["Publish", "Publish"]
    assert [message["uri"] for message in core_broker.published()] == [
        "http://example.com/1", "http://example.com/2",
    ]


def test_deferred_producer_publishes_nothing_on_error(producer, sns_calls):
    """An exception in the unit of work publishes nothing and propagates."""
    with pytest.raises(RuntimeError):
        with DeferredProducer(producer) as deferred_producer:
            deferred_producer.produce(ITEM, uri=URI)
            raise RuntimeError("unit of work failed")

    assert sns_calls == []


def test_deferred_producer_validates_at_once(producer):
    """Bad content fails where it is produced, not at exit."""
    with pytest.raises(ValidationError, match="uri"):
        with DeferredProducer(producer) as deferred_producer:
            deferred_producer.produce(ITEM)


def test_deferred_decorator_swaps_the_component_producer(core_graph, sns_calls):
    """`@deferred(component)` defers `component.sns_producer` during the call, then restores it."""
    component = SimpleNamespace(graph=core_graph, sns_producer=core_graph.sns_producer)
    seen = []

    @deferred(component)
    def work():
        seen.append(component.sns_producer)
        component.sns_producer.produce(ITEM, uri=URI)
        assert sns_calls == []
        return "done"

    assert work() == "done"
    assert isinstance(seen[0], DeferredProducer)
    assert component.sns_producer is core_graph.sns_producer
    assert sns_calls == ["Publish"]


def test_deferred_decorator_publishes_nothing_on_error(core_graph, sns_calls):
    """A decorated call that raises publishes nothing and still restores the producer."""
    component = SimpleNamespace(graph=core_graph, sns_producer=core_graph.sns_producer)

    @deferred(component)
    def work():
        component.sns_producer.produce(ITEM, uri=URI)
        raise ValueError("boom")

    with pytest.raises(ValueError):
        work()
    assert sns_calls == []
    assert component.sns_producer is core_graph.sns_producer


@pytest.fixture
def batch_graph(core_make_graph, second_queue):
    """A graph whose batch media type is mapped to the second topic, in batches of 100."""
    return core_make_graph(
        sns_topic_arns=dict(mappings={MessageBatchSchema.MEDIA_TYPE: second_queue.topic_arn}),
        sns_producer=dict(deferred_batch_size=100),
    )


def produce_deferred_batch(graph, count):
    """Produce `count` messages through a DeferredBatchProducer, counting SNS calls."""
    calls = []
    graph.sns_producer.sns_client.meta.events.register(
        "before-call.sns.*", lambda model, **kwargs: calls.append(model.name),
    )
    with DeferredBatchProducer(graph.sns_producer) as batch_producer:
        for message in uris(count):
            batch_producer.produce(ITEM, message)
    return calls


def test_deferred_batch_chunks_by_batch_size(batch_graph, core_broker, second_queue):
    """202 messages in batches of 100 are three `batch_message` publishes holding all 202."""
    calls = produce_deferred_batch(batch_graph, 202)

    assert calls == ["Publish"] * 3
    batches = core_broker.published(second_queue.queue_url)
    assert [message["mediaType"] for message in batches] == [MessageBatchSchema.MEDIA_TYPE] * 3
    assert [len(message["messages"]) for message in batches] == [100, 100, 2]
    entry = batches[0]["messages"][0]
    assert entry["media_type"] == ITEM
    assert entry["topic_arn"] == core_broker.topic_arn
    assert loads(entry["message"])["uri"] == "http://example.com/items/0"


def test_deferred_batch_of_one_is_published_as_itself(batch_graph, core_broker):
    """A single deferred message is published as itself, to its own topic."""
    calls = produce_deferred_batch(batch_graph, 1)

    assert calls == ["Publish"]
    assert [message["mediaType"] for message in core_broker.published()] == [ITEM]


def test_deferred_batch_of_none_publishes_nothing(batch_graph):
    """An empty unit of work publishes nothing."""
    assert produce_deferred_batch(batch_graph, 0) == []


def test_oversized_message_is_refused_before_sending(producer, sns_calls):
    """A message over 256 KiB raises MessageTooLargeError and no call reaches SNS."""
    with pytest.raises(MessageTooLargeError) as raised:
        producer.produce(ITEM, uri="http://example.com/" + "x" * (256 * 1024))

    assert isinstance(raised.value, PublishError)
    assert raised.value.size > 256 * 1024
    assert sns_calls == []


def test_produce_batch_uses_publish_batch(producer, core_broker, sns_calls):
    """25 messages are sent with three PublishBatch calls and all 25 are delivered."""
    message_ids = producer.produce_batch(ITEM, uris(25))

    assert sns_calls == ["PublishBatch"] * 3
    assert len(message_ids) == 25 and all(message_ids)
    delivered = core_broker.published()
    assert sorted(message["uri"] for message in delivered) == sorted(message["uri"] for message in uris(25))
    assert {message["mediaType"] for message in delivered} == {ITEM}


def test_produce_batch_reports_failed_entries(producer):
    """A Failed entry in the PublishBatch answer raises BatchPublishError naming that entry."""
    real_client = producer.sns_client
    producer.sns_client = MagicMock(wraps=real_client)
    producer.sns_client.publish_batch.return_value = dict(
        Successful=[dict(Id="0", MessageId="m-0")],
        Failed=[dict(Id="1", Code="InternalError", Message="try again", SenderFault=False)],
    )

    with pytest.raises(BatchPublishError) as raised:
        producer.produce_batch(ITEM, uris(2))

    assert "entry 1" in str(raised.value)
    assert "InternalError" in str(raised.value)
    assert [entry["index"] for entry in raised.value.failed] == [1]
    assert raised.value.message_ids == ["m-0", None]


def test_client_error_raises_publish_error_with_cause(core_make_graph):
    """A failing Publish raises PublishError chained to the client's error."""
    missing = "arn:aws:sns:us-east-1:123456789012:core-missing-topic"
    graph = core_make_graph(sns_topic_arns=dict(default=missing))

    with pytest.raises(PublishError) as raised:
        graph.sns_producer.produce(ITEM, uri=URI)

    assert raised.value.__cause__ is not None
    assert "core-missing-topic" in str(raised.value)


def test_batch_client_error_raises_publish_error_with_cause(core_make_graph):
    """A failing PublishBatch raises PublishError chained to the client's error."""
    graph = core_make_graph(sns_topic_arns=dict(default="arn:aws:sns:us-east-1:123456789012:core-missing"))

    with pytest.raises(PublishError) as raised:
        graph.sns_producer.produce_batch(ITEM, uris(2))

    assert raised.value.__cause__ is not None


def test_skip_defaults_to_the_graph_debug_flag(core_broker):
    """With `skip` unset, a graph in debug mode publishes nothing."""
    graph = create_object_graph(
        "test", debug=True, loader=load_from_dict(sns_topic_arns=dict(default=core_broker.topic_arn)),
    )

    assert graph.sns_producer.produce(ITEM, uri=URI) is None
    assert core_broker.published() == []


def test_lifecycle_tables_can_be_set_from_the_environment(core_broker, monkeypatch):
    """`TEST__SNS_TOPIC_ARNS__CREATED__<RESOURCE>` routes that resource's created messages."""
    monkeypatch.setenv("TEST__SNS_TOPIC_ARNS__CREATED__CORE_PRODUCER_ITEM", core_broker.topic_arn)
    graph = create_object_graph("test", loader=load_from_environ)

    message_id = graph.sns_producer.produce(ITEM, uri=URI)

    assert [notification["MessageId"] for notification in core_broker.notifications()] == [message_id]
