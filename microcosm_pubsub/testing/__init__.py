"""
Test support shipped with the package: moto-backed environments and pytest fixtures.

    def test_publishes(pubsub_environment):
        pubsub_environment.graph.sns_producer.produce(created("order"), uri="http://x/orders/1")
        assert pubsub_environment.published()[0]["uri"] == "http://x/orders/1"

"""
from microcosm_pubsub.testing.environment import (
    PubSubTestEnvironment,
    fake_aws_environment,
    pubsub_test_environment,
)


__all__ = ["PubSubTestEnvironment", "fake_aws_environment", "pubsub_test_environment"]
