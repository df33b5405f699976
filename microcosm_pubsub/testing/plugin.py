"""
pytest fixtures for code that publishes or consumes with microcosm_pubsub.

Loaded automatically (a `pytest11` entry point). Nothing here imports moto until a fixture is
used, so suites that never use them pay nothing.

"""
from typing import Any, Iterator

import pytest


@pytest.fixture
def pubsub_environment() -> Iterator[Any]:
    """A moto topic + queue + subscription and a graph wired to them (see PubSubTestEnvironment)."""
    from microcosm_pubsub.testing.environment import pubsub_test_environment

    with pubsub_test_environment() as environment:
        yield environment


@pytest.fixture
def pubsub_graph(pubsub_environment: Any) -> Any:
    """The environment's object graph: `graph.sns_producer` publishes to the moto topic."""
    return pubsub_environment.graph
