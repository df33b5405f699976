"""
Offloading built from config: `sns_producer.large_payload_*` and `sqs_consumer.large_payload_*`.

The keys are declared (with their defaults) on the `sns_producer` and `sqs_consumer` factories;
this module validates them and builds the S3 side. S3 calls use the component's `endpoint_url`,
`region_name` and `profile_name`, and boto3's own credential chain; in testing mode the S3
client is a MagicMock, like the SNS and SQS clients.

"""
from typing import Any, Optional
from unittest.mock import MagicMock

from microcosm_pubsub.aws import make_client
from microcosm_pubsub.bounds import Bounds, checked, setting
from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.limits import SNS_MAX_MESSAGE_BYTES
from microcosm_pubsub.offload.consuming import PayloadResolver
from microcosm_pubsub.offload.producing import PayloadOffloader
from microcosm_pubsub.offload.store import S3PayloadStore


THRESHOLD_BYTES = Bounds(0, SNS_MAX_MESSAGE_BYTES, unit="bytes", note="SNS accepts nothing larger")
PAYLOAD_BYTES = Bounds(1, unit="bytes")


def make_payload_store(graph: Any, component: str, pool_size: int = 10) -> Optional[S3PayloadStore]:
    """The component's S3 store, or None when `large_payload_bucket` is not set."""
    config = getattr(graph.config, component)
    bucket = config.get("large_payload_bucket") or None
    if bucket is None:
        return None
    if not isinstance(bucket, str):
        raise ConfigurationError(
            f"{setting(graph, component, 'large_payload_bucket')} is {bucket!r}: use an S3 bucket name"
        )
    s3_client = MagicMock() if graph.metadata.testing else make_client("s3", graph, component, pool_size=pool_size)
    return S3PayloadStore(s3_client, bucket, prefix=str(config.get("large_payload_prefix") or ""))


def configure_payload_offloader(graph: Any) -> PayloadOffloader:
    """The producer's offloader (disabled, and free, without a bucket)."""
    config = graph.config.sns_producer
    threshold = checked(setting(graph, "sns_producer", "large_payload_threshold"),
                        config.get("large_payload_threshold", SNS_MAX_MESSAGE_BYTES), THRESHOLD_BYTES)
    always = bool(config.get("large_payload_always", False))
    store = make_payload_store(graph, "sns_producer", pool_size=int(config.get("max_pool_connections", 10)))
    if always and store is None:
        raise ConfigurationError(
            f"sns_producer.large_payload_always is set but there is no bucket: set "
            f"{setting(graph, 'sns_producer', 'large_payload_bucket')}"
        )
    return PayloadOffloader(store, threshold=threshold, always=always)


def configure_payload_resolver(graph: Any) -> PayloadResolver:
    """The consumer's resolver; without a bucket, pointer messages fail with a reason naming the key."""
    config = graph.config.sqs_consumer
    max_bytes = checked(setting(graph, "sqs_consumer", "large_payload_max_bytes"),
                        config.get("large_payload_max_bytes", 64 * 1024 * 1024), PAYLOAD_BYTES)
    store = make_payload_store(graph, "sqs_consumer", pool_size=int(config.get("concurrency", 1)) + 4)
    return PayloadResolver(
        store,
        max_bytes=max_bytes,
        delete=bool(config.get("large_payload_delete", False)),
        bucket_setting=setting(graph, "sqs_consumer", "large_payload_bucket"),
    )
