"""
The test support shipped in microcosm_pubsub.testing works as the README says.

"""
import pytest
from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import created
from microcosm_pubsub.decorators import schema
from microcosm_pubsub.result import MessageHandlingResultType


@schema
class FixtureShipped(PubSubMessageSchema):
    MEDIA_TYPE = "application/vnd.acme.pubsub.fixture_shipped"

    order_id = fields.String(required=True, data_key="orderId")


def test_published_reads_back_what_the_graph_produced(pubsub_environment):
    """Messages produced through the fixture's graph are read back as their wire bodies."""
    pubsub_environment.graph.sns_producer.produce(FixtureShipped.MEDIA_TYPE, order_id="42")
    pubsub_environment.graph.sns_producer.produce(created("order"), uri="http://x/orders/1")

    bodies = pubsub_environment.published()

    assert [body["mediaType"] for body in bodies] == [FixtureShipped.MEDIA_TYPE, created("order")]
    assert bodies[0]["orderId"] == "42"
    assert bodies[1]["uri"] == "http://x/orders/1"
    assert pubsub_environment.published() == []


def test_drain_runs_handlers_over_real_messages(pubsub_environment):
    """drain() hands each queued message to its bound handler and resolves it."""
    seen = []
    pubsub_environment.graph.sns_producer.produce(FixtureShipped.MEDIA_TYPE, order_id="7")

    results = pubsub_environment.drain({FixtureShipped.MEDIA_TYPE: lambda content: seen.append(content) or True})

    assert [result.result for result in results] == [MessageHandlingResultType.SUCCEEDED]
    assert seen[0]["order_id"] == "7"
    assert pubsub_environment.published() == []


def test_drain_fails_fast_with_the_handlers_error(pubsub_environment):
    """A handler's exception surfaces from drain() instead of being retried silently."""
    pubsub_environment.graph.sns_producer.produce(FixtureShipped.MEDIA_TYPE, order_id="7")

    def broken(content):
        raise ValueError("handler bug")

    with pytest.raises(ValueError, match="handler bug"):
        pubsub_environment.drain({FixtureShipped.MEDIA_TYPE: broken})


def test_drain_without_fail_fast_reports_failed(pubsub_graph, pubsub_environment):
    """With fail_fast=False a handler error comes back as a FAILED result instead of raising."""
    pubsub_graph.sns_producer.produce(FixtureShipped.MEDIA_TYPE, order_id="8")

    def broken(content):
        raise ValueError("handler bug")

    results = pubsub_environment.drain({FixtureShipped.MEDIA_TYPE: broken}, fail_fast=False, max_batches=1)

    assert [result.result for result in results] == [MessageHandlingResultType.FAILED]
