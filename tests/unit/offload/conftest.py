"""
Fixtures for offloading tests: `core_broker`'s moto (SNS topic subscribed by an SQS queue) plus an
S3 bucket, and graphs whose producer and consumer offload through it.

"""
from typing import Any, Callable, Optional

import boto3
import pytest
from offload_support import BUCKET


@pytest.fixture
def s3(core_broker) -> Any:
    """A real S3 client on the same moto, with the offload bucket created."""
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def make_offload_graph(core_make_graph, s3) -> Callable[..., Any]:
    """A graph on `core_broker` with `large_payload_bucket` set on both sides; kwargs add config."""
    def make(producer: Optional[dict] = None, consumer: Optional[dict] = None, **config: dict) -> Any:
        graph = core_make_graph(
            sns_producer={"large_payload_bucket": BUCKET, **(producer or {})},
            sqs_consumer={"large_payload_bucket": BUCKET, **(consumer or {})},
            **config,
        )
        graph.use("opaque", "pubsub_message_schema_registry", "sqs_message_handler_registry", "sns_producer",
                  "sqs_consumer", "sqs_message_dispatcher")
        return graph
    return make


@pytest.fixture
def offload_graph(make_offload_graph) -> Any:
    """A graph that offloads messages over the default threshold (256 KiB)."""
    return make_offload_graph()
