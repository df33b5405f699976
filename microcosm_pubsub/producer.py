"""
Publish typed messages to SNS: validate, encode, route by media type, publish.

`produce()` is one SNS `Publish`; `produce_batch()` sends many messages with `PublishBatch`.
The deferred producers publish a unit of work's messages only when it ends cleanly, with the
earlier library's call shapes (one `Publish` each, or one `batch_message`).

"""
from logging import Logger
from time import perf_counter, time
from typing import Any, Optional
from unittest.mock import MagicMock

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm.errors import NotBoundError
from microcosm.opaque import NormalizedDict
from microcosm_logging.decorators import logger

from microcosm_pubsub.aws import make_client
from microcosm_pubsub.constants import PUBLISHED_KEY, REQUEST_ID_KEY
from microcosm_pubsub.deferred import DeferredBatchProducer, DeferredProducer, deferred, deferred_batch
from microcosm_pubsub.errors import ConfigurationError, MessageTooLargeError, PublishError, TopicNotDefinedError
from microcosm_pubsub.limits import SNS_MAX_MESSAGE_BYTES
from microcosm_pubsub.offload.config import configure_payload_offloader
from microcosm_pubsub.observability.otel import publish_span
from microcosm_pubsub.offload.producing import PayloadOffloader
from microcosm_pubsub.outgoing import PubsubMessage
from microcosm_pubsub.publish_batch import BatchPublishing, chunk_by_count_and_size
from microcosm_pubsub.topics import configure_sns_topic_arns, iter_topic_mappings
from microcosm_pubsub.tracing import add_trace_to_message, trace_outgoing_message


__all__ = [
    "DeferredBatchProducer",
    "DeferredProducer",
    "PubsubMessage",
    "SNSProducer",
    "chunk_by_count_and_size",
    "configure_sns_producer",
    "configure_sns_topic_arns",
    "deferred",
    "deferred_batch",
    "iter_topic_mappings",
]


@logger
class SNSProducer(BatchPublishing):
    """Publishes messages to the SNS topics their media types are routed to."""

    logger: Logger

    def __init__(
        self,
        opaque: Any,
        pubsub_message_schema_registry: Any,
        sns_client: Any,
        sns_topic_arns: Any,
        skip: bool,
        deferred_batch_size: int,
        pubsub_producer_metrics: Any,
        payload_offloader: Optional[PayloadOffloader] = None,
    ):
        self.opaque = opaque
        self.pubsub_message_schema_registry = pubsub_message_schema_registry
        self.sns_client = sns_client
        self.sns_topic_arns = sns_topic_arns
        self.skip = skip
        self.deferred_batch_size = deferred_batch_size
        self.pubsub_producer_metrics = pubsub_producer_metrics
        self.payload_offloader = payload_offloader or PayloadOffloader(None, threshold=SNS_MAX_MESSAGE_BYTES)

    def produce(
        self,
        media_type: str,
        dct: Optional[dict] = None,
        uri: Optional[str] = None,
        opaque_data: Optional[dict] = None,
        **kwargs: Any,
    ) -> Optional[str]:
        """Publish one message and return its SNS message id (None when publishing is skipped)."""
        if self.skip:
            return None
        pubsub_message = self.create_message(media_type, dct, uri=uri, opaque_data=opaque_data, **kwargs)
        return self.publish_message(pubsub_message)

    def create_message(
        self,
        media_type: str,
        dct: Optional[dict],
        uri: Optional[str] = None,
        opaque_data: Optional[dict] = None,
        **kwargs: Any,
    ) -> PubsubMessage:
        """Route, attach the request context, validate and encode; nothing is sent."""
        topic_arn = self.choose_topic_arn(media_type)
        context = NormalizedDict(opaque_data or {})
        if self.opaque is not None:
            context.update(self.opaque.as_dict())
        context[PUBLISHED_KEY] = str(time())
        if uri is not None:
            kwargs["uri"] = uri
        message = self.find_codec(media_type).encode(
            dct,
            opaque_data=dict(context),
            media_type=media_type,
            **kwargs,
        )
        pubsub_message = PubsubMessage(
            media_type=media_type,
            message=message,
            message_attributes=self.choose_message_attributes(media_type),
            opaque_data=dict(context),
            topic_arn=topic_arn,
        )
        self.check_size(pubsub_message)
        return pubsub_message

    def find_codec(self, media_type: str) -> Any:
        try:
            return self.pubsub_message_schema_registry.find(media_type)
        except KeyError as error:
            raise type(error)(
                f"cannot publish media type {media_type}: no schema is registered for it; "
                f"decorate its schema class with @schema (microcosm_pubsub.decorators)"
            ) from None

    def check_size(self, pubsub_message: PubsubMessage) -> None:
        """Refuse a message SNS would refuse, unless it will be offloaded to S3 when published."""
        if self.payload_offloader.enabled:
            return
        size = pubsub_message.size
        if size > SNS_MAX_MESSAGE_BYTES:
            raise MessageTooLargeError(pubsub_message.media_type, size, SNS_MAX_MESSAGE_BYTES)

    def offload(self, pubsub_message: PubsubMessage) -> PubsubMessage:
        """The message as it goes to SNS: a large one is stored in S3 and replaced by its pointer."""
        return self.payload_offloader.offload(pubsub_message)

    def publish_message(self, pubsub_message: PubsubMessage) -> str:
        """One SNS `Publish`; failures raise `PublishError` chained to the cause."""
        extra = dict(media_type=pubsub_message.media_type, **pubsub_message.opaque_data)
        self.logger.debug("Publishing message with media type {media_type}", extra=extra)
        start = perf_counter()
        try:
            with trace_outgoing_message(pubsub_message.topic_arn) as tracer, publish_span(pubsub_message) as span:
                add_trace_to_message(tracer, pubsub_message)
                outgoing = self.offload(pubsub_message)
                result = self.sns_client.publish(
                    TopicArn=outgoing.topic_arn,
                    Message=outgoing.message,
                    MessageAttributes=outgoing.message_attributes,
                    **outgoing.fifo_arguments(),
                )
                tracer.set_vendor_message_id(result["MessageId"])
                span.sent(result["MessageId"])
                request_id = pubsub_message.opaque_data.get(REQUEST_ID_KEY)
                if request_id:
                    tracer.set_correlation_id(request_id)
        except Exception as error:
            self.record_metrics(extra, start, "FAILURE")
            if isinstance(error, PublishError):
                raise
            raise PublishError(
                f"could not publish {pubsub_message.media_type} to {pubsub_message.topic_arn}: {error}"
            ) from error
        self.record_metrics(extra, start, "SUCCESS")
        self.logger.debug("Published message with media type {media_type}", extra=extra)
        return result["MessageId"]

    def record_metrics(self, extra: dict, start: float, publish_result: str) -> None:
        arguments = {**extra, "elapsed_time": (perf_counter() - start) * 1000, "publish_result": publish_result}
        self.pubsub_producer_metrics(**arguments)

    def choose_topic_arn(self, media_type: str) -> str:
        """The topic for a media type, or `TopicNotDefinedError` saying how to configure one."""
        try:
            topic_arn = self.sns_topic_arns[media_type]
        except KeyError:
            topic_arn = None
        if topic_arn is None:
            raise TopicNotDefinedError(
                f"No topic arn was registered for messages of type: {media_type}. Set "
                f"sns_topic_arns.mappings (exact media type), a lifecycle table such as "
                f"sns_topic_arns.created, or sns_topic_arns.default"
            )
        return topic_arn

    def choose_message_attributes(self, media_type: str) -> dict[str, dict[str, str]]:
        """The `media_type` attribute, which subscription filter policies match on."""
        return {"media_type": {"DataType": "String", "StringValue": media_type}}


def parse_skip(value: Any, debug: bool) -> bool:
    """`skip` accepts None (skip in debug), bools, and strings such as "true"/"0"/"no"."""
    if value is None:
        return bool(debug)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on", "t"):
        return True
    if text in ("0", "false", "no", "n", "off", "f", ""):
        return False
    raise ConfigurationError(f"sns_producer.skip is {value!r}: use true or false")


@defaults(
    # boto3 client settings; credentials always come from boto3's own chain
    profile_name=None,
    region_name=None,
    endpoint_url=None,
    # in testing, keep a real producer with a MagicMock client (False: the producer is a MagicMock)
    mock_sns=True,
    # publish nothing: None skips when the graph is in debug mode; accepts bools and strings
    skip=None,
    # messages per batch_message published by DeferredBatchProducer
    deferred_batch_size=typed(int, default_value=100),
    # SNS connection timeouts, in seconds
    connect_timeout=typed(int, default_value=60),
    read_timeout=typed(int, default_value=60),
    # HTTP connections kept for threads publishing at once
    max_pool_connections=typed(int, default_value=32),
    # S3 bucket for messages too large for SNS (None: no offloading, they raise MessageTooLargeError)
    large_payload_bucket=None,
    # bytes (body plus attributes) above which a message goes through S3; at most 262144
    large_payload_threshold=typed(int, default_value=SNS_MAX_MESSAGE_BYTES),
    # send every message through S3, whatever its size
    large_payload_always=typed(boolean, default_value=False),
    # prefix of the S3 keys of offloaded payloads (e.g. "pubsub/", to scope a lifecycle rule)
    large_payload_prefix="",
)
def configure_sns_producer(graph: Any) -> Any:
    config = graph.config.sns_producer
    if graph.metadata.testing:
        if not config.mock_sns:
            return MagicMock()
        sns_client = MagicMock()
    else:
        sns_client = make_client(
            "sns",
            graph,
            "sns_producer",
            pool_size=config.max_pool_connections,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
        )
    try:
        opaque = graph.opaque
    except NotBoundError:
        opaque = None
    return SNSProducer(
        opaque=opaque,
        pubsub_message_schema_registry=graph.pubsub_message_schema_registry,
        sns_client=sns_client,
        sns_topic_arns=graph.sns_topic_arns,
        skip=parse_skip(config.skip, graph.metadata.debug),
        deferred_batch_size=config.deferred_batch_size,
        pubsub_producer_metrics=graph.pubsub_producer_metrics,
        payload_offloader=configure_payload_offloader(graph),
    )
