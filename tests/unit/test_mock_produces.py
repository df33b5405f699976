"""`mock_produces` records what a block publishes, sends nothing, and asserts it on exit."""
import pytest
from marshmallow import fields
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import changed, created
from microcosm_pubsub.decorators import schema
from microcosm_pubsub.deferred import DeferredProducer
from microcosm_pubsub.testing import mock_produces


TOPIC = "arn:aws:sns:us-east-1:123456789012:mock-produces"
ORDER_URI = "http://x/orders/1"


@schema
class MockProducesShipped(PubSubMessageSchema):
    MEDIA_TYPE = "application/vnd.acme.pubsub.mock_produces_shipped"

    order_id = fields.String(required=True, data_key="orderId")


@pytest.fixture
def graph():
    """A testing-mode graph (its SNS client is a MagicMock) with one default topic."""
    graph = create_object_graph("test", testing=True, loader=load_from_dict(sns_topic_arns=dict(default=TOPIC)))
    graph.use("sns_producer")
    return graph


def test_matching_publishes_pass_and_nothing_reaches_the_client(graph):
    """Strings, schema classes and field dicts each match one produced message, in order."""
    client = graph.sns_producer.sns_client

    with mock_produces(graph, created("order"), MockProducesShipped,
                       dict(media_type=changed("order"), uri=ORDER_URI)) as produced:
        graph.sns_producer.produce(created("order"), uri=ORDER_URI)
        graph.sns_producer.produce(MockProducesShipped.MEDIA_TYPE, order_id="7")
        graph.sns_producer.produce(changed("order"), uri=ORDER_URI)

    assert not client.publish.called
    assert graph.sns_producer.sns_client is client
    assert [message.topic_arn for message in produced] == [TOPIC] * 3
    assert produced[1].content["order_id"] == "7" and produced[1].body["orderId"] == "7"


def test_batch_and_deferred_publishes_are_recorded(graph):
    """`produce_batch` entries and a deferred producer's messages count like single publishes."""
    with mock_produces(graph, *[MockProducesShipped] * 3):
        graph.sns_producer.produce_batch(MockProducesShipped.MEDIA_TYPE, [dict(order_id="1"), dict(order_id="2")])
        with DeferredProducer(graph.sns_producer) as deferred:
            deferred.produce(MockProducesShipped.MEDIA_TYPE, order_id="3")


def test_a_mismatch_names_both_sides(graph):
    with pytest.raises(AssertionError) as raised:
        with mock_produces(graph, dict(media_type=MockProducesShipped.MEDIA_TYPE, order_id="8")):
            graph.sns_producer.produce(MockProducesShipped.MEDIA_TYPE, order_id="7")

    assert "#0: expected {'media_type': 'application/vnd.acme.pubsub.mock_produces_shipped', 'order_id': '8'}" \
        in str(raised.value)
    assert "'order_id': '7'" in str(raised.value)


def test_too_many_or_too_few_publishes_fail(graph):
    with pytest.raises(AssertionError, match="expected 1 messages to be produced, got 2"):
        with mock_produces(graph, created("order")):
            graph.sns_producer.produce(created("order"), uri=ORDER_URI)
            graph.sns_producer.produce(created("order"), uri=ORDER_URI)
    with pytest.raises(AssertionError, match="expected 1 messages to be produced, got 0"):
        with mock_produces(graph, created("order")):
            pass


def test_an_exception_in_the_block_propagates_and_restores_the_client(graph):
    client = graph.sns_producer.sns_client

    with pytest.raises(RuntimeError, match="handler broke"):
        with mock_produces(graph, created("order")):
            raise RuntimeError("handler broke")

    assert graph.sns_producer.sns_client is client


def test_an_expected_item_of_the_wrong_kind_is_refused_up_front(graph):
    with pytest.raises(TypeError, match="media type strings, schema classes"):
        with mock_produces(graph, 42):
            pass
