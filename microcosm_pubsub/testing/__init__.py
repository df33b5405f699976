"""
Test support shipped with the package: moto-backed environments and pytest fixtures.

    def test_publishes(pubsub_environment):
        pubsub_environment.graph.sns_producer.produce(created("order"), uri="http://x/orders/1")
        assert pubsub_environment.published()[0]["uri"] == "http://x/orders/1"

Or, without a broker, assert what a block publishes:

    with mock_produces(graph, created("order")):
        handler(message)

"""
from microcosm_pubsub.testing.environment import (
    PubSubTestEnvironment,
    fake_aws_environment,
    pubsub_test_environment,
)
from microcosm_pubsub.testing.produces import ProducedMessage, mock_produces


__all__ = [
    "ProducedMessage",
    "PubSubTestEnvironment",
    "fake_aws_environment",
    "mock_produces",
    "pubsub_test_environment",
]
