"""
Receive messages from one SQS queue, and ack or nack them one at a time.

The daemon's engine (`microcosm_pubsub.engine`) receives through `receive()` and resolves in
batches; `ack`/`nack` here stay immediate single calls because user code and suites rely on them.

"""
from os.path import exists
from typing import Any, Optional
from unittest.mock import MagicMock
from urllib.parse import urlparse

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm_logging.decorators import logger

from microcosm_pubsub.aws import make_client
from microcosm_pubsub.backoff import BackoffPolicy
from microcosm_pubsub.bounds import MAX_CONCURRENCY, MAX_SHUTDOWN_SECONDS, Bounds, check_settings, env_var_for
from microcosm_pubsub.envelope import SQSEnvelope
from microcosm_pubsub.errors import BadMessageError, ConfigurationError
from microcosm_pubsub.limits import SQS_MAX_RECEIVE_COUNT, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, SQS_MAX_WAIT_SECONDS
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.observability.carrier import TRACE_ATTRIBUTES
from microcosm_pubsub.offload.consuming import discard_payload


STDIN = "STDIN"
RECEIVE_ATTRIBUTES = ["ApproximateReceiveCount"]
FIFO_RECEIVE_ATTRIBUTES = ["ApproximateReceiveCount", "MessageGroupId", "SequenceNumber"]
# what the engine's receives also ask for: the send time (message age) and the trace context
OBSERVED_ATTRIBUTES = ["SentTimestamp"]

# what each numeric sqs_consumer key accepts, checked when the consumer is built (README: Configuration)
CONSUMER_BOUNDS = dict(
    connect_timeout=Bounds(0, unit="seconds", note="0: 60 seconds"),
    max_attempts=Bounds(0, note="attempts per SQS call"),
    limit=Bounds(1, SQS_MAX_RECEIVE_COUNT, note="messages SQS returns per ReceiveMessage"),
    wait_seconds=Bounds(0, SQS_MAX_WAIT_SECONDS, unit="seconds", note="the longest long poll SQS allows"),
    message_retry_visibility_timeout_seconds=Bounds(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, unit="seconds"),
    concurrency=Bounds(1, MAX_CONCURRENCY),
    async_concurrency=Bounds(0, note="0 or unset: concurrency"),
    receivers=Bounds(0, note="0 or unset: one per two workers, at most 4"),
    flush_interval_seconds=Bounds(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, whole=False, above=True, unit="seconds"),
    visibility_timeout_seconds=Bounds(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, unit="seconds",
                                      note="0 or unset: asked of SQS"),
    heartbeat_max_seconds=Bounds(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, unit="seconds",
                                 note="SQS extends a message at most 12 hours after it was received"),
    shutdown_timeout_seconds=Bounds(0, MAX_SHUTDOWN_SECONDS, whole=False, unit="seconds"),
)


def reads_deferred(envelope: Any) -> bool:
    """Whether an envelope can leave downloads for later (not one whose `parse_raw_message` is its own)."""
    return getattr(type(envelope), "parse_raw_message", None) is SQSEnvelope.parse_raw_message


def is_file(url: str) -> bool:
    """Whether the queue "URL" names a local file of JSON lines to replay."""
    return exists(url) or exists(urlparse(url).path)


@logger
class SQSConsumer:
    """Consumes one SQS queue through `sqs_client` (assignable: any duck-typed reader works)."""

    def __init__(
        self,
        sqs_client: Any,
        sqs_envelope: Any,
        sqs_queue_url: Optional[str],
        limit: int,
        wait_seconds: int,
        backoff_policy: BackoffPolicy,
    ):
        self.sqs_client = sqs_client
        self.sqs_envelope = sqs_envelope
        self.sqs_queue_url = sqs_queue_url
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.backoff_policy = backoff_policy

    @property
    def is_fifo(self) -> bool:
        return isinstance(self.sqs_queue_url, str) and self.sqs_queue_url.endswith(".fifo")

    def consume(self) -> list[SQSMessage]:
        """Receive one batch (up to `limit`, waiting up to `wait_seconds`) as `SQSMessage`s."""
        return self.receive(self.limit, self.wait_seconds)

    def receive(self, max_messages: int, wait_seconds: int, defer_payloads: bool = False) -> list[SQSMessage]:
        """
        Receive and decode up to `max_messages`.

        A message that cannot be decoded still comes back, with `content=None` and the reason in
        `decode_error`, so that it is reported and retried on its own while the rest of the batch
        is handled. With `defer_payloads`, large messages come back with their S3 pointer noted and
        not yet downloaded (`offload.resolve_payload` does it, on the thread that handles them).

        """
        attribute_names = getattr(self.sqs_envelope, "message_attribute_names", None)
        attribute_names = attribute_names if isinstance(attribute_names, list) else None
        system_names = FIFO_RECEIVE_ATTRIBUTES if self.is_fifo else RECEIVE_ATTRIBUTES
        if defer_payloads:  # the engine's receive; consume() keeps the earlier library's call
            system_names = system_names + OBSERVED_ATTRIBUTES
            attribute_names = (attribute_names or []) + list(TRACE_ATTRIBUTES)
        response = self.sqs_client.receive_message(
            AttributeNames=system_names,
            MaxNumberOfMessages=max_messages,
            QueueUrl=self.sqs_queue_url,
            WaitTimeSeconds=wait_seconds,
            **(dict(MessageAttributeNames=attribute_names) if attribute_names else {}),
        )
        return [self.parse(raw_message, defer_payloads) for raw_message in response.get("Messages", [])]

    def parse(self, raw_message: Any, defer_payloads: bool = False) -> SQSMessage:
        try:
            if defer_payloads and reads_deferred(self.sqs_envelope):
                return self.sqs_envelope.read_raw_message(self, raw_message)
            return self.sqs_envelope.parse_raw_message(self, raw_message)
        except Exception as error:
            return self._undecodable(raw_message, error)

    def _undecodable(self, raw_message: Any, error: Exception) -> SQSMessage:
        raw = raw_message if isinstance(raw_message, dict) else {}
        attributes = raw.get("Attributes") or raw.get("attributes") or {}
        message = SQSMessage(
            consumer=self,
            content=None,
            media_type=None,
            message_id=raw.get("MessageId", raw.get("messageId")),
            receipt_handle=raw.get("ReceiptHandle", raw.get("receiptHandle")),
            approximate_receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
        )
        message.attributes = attributes
        reason = f"cannot decode message {message.message_id}: {type(error).__name__}: {error}"
        message.decode_error = BadMessageError(reason)
        message.decode_error.__cause__ = error
        return message

    def ack(self, message: SQSMessage) -> None:
        """Delete a processed message (and its S3 payload, with `large_payload_delete`)."""
        self.sqs_client.delete_message(
            QueueUrl=self.sqs_queue_url,
            ReceiptHandle=message.receipt_handle,
        )
        discard_payload(message)

    def nack(self, message: SQSMessage, visibility_timeout_seconds: Optional[int] = None) -> None:
        """Return a message to the queue after the backoff policy's timeout (or the given one)."""
        timeout = self.backoff_policy.compute_backoff_timeout(message, visibility_timeout_seconds)
        self.sqs_client.change_message_visibility(
            QueueUrl=self.sqs_queue_url,
            ReceiptHandle=message.receipt_handle,
            VisibilityTimeout=timeout,
        )


def async_concurrency(config: Any, concurrency: int) -> int:
    """Async handlers' messages in flight at once: `async_concurrency`, where 0 or unset means `concurrency`."""
    return int(config.get("async_concurrency") or concurrency)


def configure_sqs_client(graph: Any) -> Any:
    """The real SQS client, its pool sized for the daemon's concurrency."""
    config = graph.config.sqs_consumer
    return make_client(
        "sqs",
        graph,
        "sqs_consumer",
        pool_size=int(config.concurrency) + 4,
        connect_timeout=config.connect_timeout,
        read_timeout=max(60, int(config.wait_seconds) + 10),
        max_attempts=config.max_attempts,
    )


def choose_sqs_client(graph: Any) -> Any:
    """A MagicMock in testing, a reader for Lambda events, stdin or files, else boto3."""
    from microcosm_pubsub.reader import SQSFileReader, SQSJsonReader, SQSStdInReader

    config = graph.config.sqs_consumer
    sqs_queue_url = config.sqs_queue_url
    if graph.metadata.testing or sqs_queue_url == "test":
        return MagicMock()
    if config.get("sqs_event"):
        return SQSJsonReader(config.sqs_event)
    if not sqs_queue_url:
        raise ConfigurationError(
            "no SQS queue to consume: pass --sqs-queue-url, or set sqs_consumer.sqs_queue_url "
            f"({env_var_for(graph, 'sqs_consumer', 'sqs_queue_url')})"
        )
    if sqs_queue_url == STDIN:
        return SQSStdInReader()
    if is_file(sqs_queue_url):
        return SQSFileReader(sqs_queue_url)
    return configure_sqs_client(graph)


@defaults(
    # the queue to consume: an SQS URL, a file of JSON lines, or STDIN
    sqs_queue_url=None,
    # a Lambda SQS record to consume instead of a queue (set by ConsumerDaemon(event=...))
    sqs_event=None,
    # boto3 client settings; credentials always come from boto3's own chain
    endpoint_url=None,
    profile_name=None,
    region_name=None,
    # seconds to wait for a connection; short, so an unreachable broker is noticed and backed off
    connect_timeout=typed(int, default_value=5),
    # attempts per SQS call (botocore "standard" retries: throttling, 5xx, connection errors)
    max_attempts=typed(int, default_value=3),
    # class name of the retry backoff policy (see microcosm_pubsub.backoff)
    backoff_policy="NaiveBackoffPolicy",
    # messages per ReceiveMessage call (SQS allows at most 10)
    limit=typed(int, default_value=10),
    # long-poll wait per ReceiveMessage call, in seconds (SQS allows at most 20)
    wait_seconds=typed(int, default_value=1),
    # visibility timeout for a failed message under the naive backoff policy
    message_retry_visibility_timeout_seconds=typed(int, default_value=5),
    # handlers running at once in a daemon; 1 keeps handling sequential
    concurrency=typed(int, default_value=1),
    # async handlers' messages (or batches) in flight at once on the event loop (None: concurrency)
    async_concurrency=typed(int, default_value=None),
    # ReceiveMessage calls in flight at once (None: about one per two workers, at most 4)
    receivers=typed(int, default_value=None),
    # longest wait before buffered deletes/visibility changes are sent as a batch
    flush_interval_seconds=typed(float, default_value=0.5),
    # the queue's visibility timeout (None: ask SQS once at start)
    visibility_timeout_seconds=typed(int, default_value=None),
    # stop extending a message's visibility after it has been held this long
    heartbeat_max_seconds=typed(int, default_value=3600),
    # how long a stopping daemon waits for running handlers
    shutdown_timeout_seconds=typed(float, default_value=30.0),
    # S3 bucket that large messages' payloads are read from (None: pointer messages fail, naming this key)
    large_payload_bucket=None,
    # refuse to download a payload larger than this many bytes (64 MiB)
    large_payload_max_bytes=typed(int, default_value=64 * 1024 * 1024),
    # delete a payload's S3 object once its message is deleted (False: leave it to a lifecycle rule,
    # since with SNS fan-out other queues may still need it)
    large_payload_delete=typed(boolean, default_value=False),
)
def configure_sqs_consumer(graph: Any) -> SQSConsumer:
    """The consumer; every numeric key is checked first, so a bad one fails before anything is received."""
    config = graph.config.sqs_consumer
    check_settings(graph, "sqs_consumer", CONSUMER_BOUNDS)
    policy_class = BackoffPolicy.choose_backoff_policy(config.backoff_policy)
    return SQSConsumer(
        sqs_client=choose_sqs_client(graph),
        sqs_envelope=graph.sqs_envelope,
        sqs_queue_url=config.sqs_queue_url,
        limit=int(config.limit),
        wait_seconds=int(config.wait_seconds),
        backoff_policy=policy_class(
            message_retry_visibility_timeout_seconds=config.message_retry_visibility_timeout_seconds,
        ),
    )
