"""
Fixtures for the consume engine's behaviour tests.

`engine_broker` is an in-process moto AWS whose SQS backend is serialised (several engine threads
hit it at once). `make_engine` builds a graph the way the daemon does, over a fresh queue, and an
`EngineRig` (see `engine_support`) that sends probe messages, runs the engine and stops it.

"""
from itertools import count
from typing import Any, Callable, Optional

import boto3
import pytest
from engine_support import PROBE, EngineRig, Handled
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from moto import mock_aws

from microcosm_pubsub.engine import ConsumeEngine
from microcosm_pubsub.registry import BatchSpec
from microcosm_pubsub.testing.moto_server import serialised_moto_sqs


GRAPH_COMPONENTS = (
    "opaque", "pubsub_message_schema_registry", "sqs_message_handler_registry", "sqs_consumer",
    "sqs_message_dispatcher",
)
_queue_numbers = count()


@pytest.fixture
def engine_broker(core_aws_env):
    """An in-process moto AWS, its SQS backend serialised; yields a real SQS client."""
    with mock_aws(), serialised_moto_sqs():
        yield boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def make_engine(engine_broker):
    """
    Builds an `EngineRig`: a fresh queue, a graph consuming it, and an engine with `handler`.

    `handlers` binds more media types (e.g. `PROBE_B`), `batch` makes `handler` a batch handler
    with that spec, `queue_attributes` go to CreateQueue (`fifo=True` makes a content-deduplicated FIFO queue),
    `wrap_client` replaces the consumer's SQS client before the engine is built, and other
    keywords are `sqs_consumer` config. Engines still running at teardown are stopped fast.

    """
    rigs: list[EngineRig] = []

    def make(
        handler: Callable[[dict], Any],
        concurrency: int = 1,
        fifo: bool = False,
        queue_attributes: Optional[dict] = None,
        wrap_client: Optional[Callable[[Any], Any]] = None,
        shutdown_timeout: float = 10.0,
        handlers: Optional[dict] = None,
        batch: Optional[BatchSpec] = None,
        **consumer_config: Any,
    ) -> EngineRig:
        attributes = dict(queue_attributes or {})
        name = f"engine-{next(_queue_numbers)}"
        if fifo:
            name += ".fifo"
            attributes.update(FifoQueue="true", ContentBasedDeduplication="true")
        queue_url = engine_broker.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        config = dict(sqs_consumer=dict(dict(wait_seconds=0), sqs_queue_url=queue_url, **consumer_config))
        graph = create_object_graph("test", loader=load_from_dict(config))
        graph.use(*GRAPH_COMPONENTS)
        if wrap_client is not None:
            graph.sqs_consumer.sqs_client = wrap_client(graph.sqs_consumer.sqs_client)
        if batch is not None:
            graph.sqs_message_handler_registry.register(PROBE, handler, batch=batch)
        bound = {PROBE: handler, **(handlers or {})}
        engine = ConsumeEngine(graph, bound, concurrency=concurrency, shutdown_timeout=shutdown_timeout)
        rig = EngineRig(sqs=engine_broker, queue_url=queue_url, graph=graph, engine=engine)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        if rig.thread is not None and rig.thread.is_alive():
            rig.engine.request_stop()
            rig.engine.request_stop()
            rig.thread.join(15)


@pytest.fixture
def handled():
    """Where recording handlers note what they saw."""
    return Handled()


@pytest.fixture
def recording_handler(handled):
    """A handler that records each message and succeeds."""
    def handle(content: dict) -> bool:
        handled.add(content)
        return True
    return handle
