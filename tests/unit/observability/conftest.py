"""
Fixtures for the observability extras: an in-memory span exporter, and a traced moto pipeline.

`spans` gives this package a real OpenTelemetry SDK provider exporting to memory (the global
provider can be set only once per process, so it is set for this package only). `pipeline`
is an in-process moto SNS topic fanned out to an SNS-wrapped and a raw-delivery queue, with a
graph publishing to it and `run_until` handling either queue as the engine's workers do.

"""
from time import monotonic
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from observability_support import TRACE_PROBE, Seen
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from microcosm_pubsub.observability import use_tracer_provider


@pytest.fixture
def spans():
    """The exporter every span of this package ends in during the test."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(None)
    provider.shutdown()


@pytest.fixture
def pipeline(core_broker):
    """core_broker's topic, also delivered raw to a second queue; `graph(queue)` consumes one."""
    raw_queue = core_broker.create_queue("raw-queue")
    queue_arn = core_broker.sqs.get_queue_attributes(
        QueueUrl=raw_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    core_broker.sns.subscribe(TopicArn=core_broker.topic_arn, Protocol="sqs", Endpoint=queue_arn,
                              Attributes={"RawMessageDelivery": "true"})
    core_broker.raw_queue_url = raw_queue
    return core_broker


@pytest.fixture
def make_consumer(pipeline) -> Callable[..., Any]:
    """A graph over one of the pipeline's queues, and `run_until(n)`: its engine until n are handled."""
    def make(queue_url: str, **config: Any) -> Any:
        loader = load_from_dict(
            sns_topic_arns=dict(default=pipeline.topic_arn),
            sqs_consumer=dict(sqs_queue_url=queue_url, wait_seconds=1, flush_interval_seconds=0.05),
            **config,
        )
        graph = create_object_graph("observed", loader=loader)
        graph.use("opaque", "sqs_consumer", "sqs_message_dispatcher", "sns_producer")
        seen = Seen()
        handler = seen.handler(graph)

        def run_until(count: int, timeout: float = 20.0) -> Seen:
            """Receive and handle as the engine's workers do (receive, process_message, resolve)."""
            deadline = monotonic() + timeout
            consumer, dispatcher = graph.sqs_consumer, graph.sqs_message_dispatcher
            while len(seen.items) < count and monotonic() < deadline:
                for message in consumer.receive(10, 1, defer_payloads=True):
                    dispatcher.process_message(message, {TRACE_PROBE: handler}).resolve(message)
            assert len(seen.items) >= count, f"only {len(seen.items)} of {count} messages were handled"
            return seen

        return SimpleNamespace(graph=graph, sns_producer=graph.sns_producer, run_until=run_until)

    return make
