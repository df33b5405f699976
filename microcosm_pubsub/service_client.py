"""
`ServiceClient` (graph component `service_client`): call a `PubSubService` method and wait.

A call publishes a request with `graph.sns_producer` and long-polls a reply queue the client owns:
created on first call (`<reply_queue_prefix>-<random>`), deleted by `close()` (also at exit).
Replies are matched by request id, so threads may share one client; a reply that arrives after
its caller gave up is deleted and dropped. With `signing_key` (the service's
`pubsub_service.signing_key`), each request carries `replySignature`, proving to the service
that this client chose the reply queue: without it, anyone who can publish could name it.

"""
from atexit import register as at_exit, unregister as cancel_at_exit
from json import JSONDecodeError, loads
from logging import Logger, getLogger
from math import isfinite
from threading import Lock
from time import monotonic, sleep
from typing import Any, Optional
from unittest.mock import MagicMock
from uuid import uuid4

from microcosm.api import defaults, typed

from microcosm_pubsub.aws import make_client
from microcosm_pubsub.errors import ConfigurationError, RemoteError, ServiceTimeout
from microcosm_pubsub.limits import SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, SQS_MAX_WAIT_SECONDS
from microcosm_pubsub.log_safety import render
from microcosm_pubsub.observability.services import traced_call
from microcosm_pubsub.service_protocol import (
    ServiceRequestSchema,
    reply_queue_name,
    reply_signature,
    request_media_type,
    request_wildcard,
    service_name_for,
)


# a short poll while others wait, so no caller overshoots its own deadline by much
SHARED_POLL_SECONDS = 1


class ServiceClient:
    """Calls remote service methods over SNS (requests) and a private SQS queue (replies)."""

    def __init__(self, graph: Any, reply_queue_prefix: str = "pubsub-reply",
                 reply_retention_seconds: int = 300, logger: Optional[Logger] = None,
                 signing_key: Optional[str] = None):
        self.graph = graph
        self.producer = graph.sns_producer
        self.schema_registry = graph.pubsub_message_schema_registry
        self.reply_queue_prefix = reply_queue_prefix
        self.reply_retention_seconds = reply_retention_seconds
        self.signing_key = signing_key or None
        self.logger = logger or getLogger("microcosm_pubsub.service_client")
        self.reply_queue_url: Optional[str] = None
        self._sqs_client: Any = None
        self._queue_lock = Lock()
        self._poll_lock = Lock()
        self._waiting: set[str] = set()
        self._replies: dict[str, dict] = {}

    @property
    def sqs_client(self) -> Any:
        """The reply queue's SQS client (`service_client` endpoint/region/profile; a MagicMock in testing)."""
        if self._sqs_client is None and self.graph.metadata.testing:
            self._sqs_client = MagicMock()
        if self._sqs_client is None:
            component = "service_client" if "service_client" in self.graph.config else "sqs_consumer"
            self._sqs_client = make_client("sqs", self.graph, component)
        return self._sqs_client

    @traced_call
    def call(self, service_name: str, method: str, timeout: float = 10, **kwargs: Any) -> Any:
        """Call `service_name`'s `on_<method>(message, **kwargs)`; return what it returned."""
        check_timeout(timeout)
        service = service_name_for(service_name)
        media_type = request_media_type(service, method)
        self.prepare(service)
        request_id = str(uuid4())
        deadline = monotonic() + timeout
        with self._poll_lock:
            self._waiting.add(request_id)
        try:
            message_id = self.producer.produce(media_type, self.request(request_id, service, method, kwargs))
            if message_id is None:
                raise ConfigurationError(f"request {media_type} was not published: sns_producer.skip is on")
            reply = self.wait_for(request_id, deadline)
        finally:
            with self._poll_lock:
                self._waiting.discard(request_id)
                self._replies.pop(request_id, None)
        if reply is None:
            raise ServiceTimeout(
                f"no reply from service {service} to {method} within {timeout:g}s (request {request_id}): "
                f"is the service running, and is its queue subscribed to the topic {media_type} is routed to?"
            )
        error = reply.get("error")
        if error is not None:
            remote_error = RemoteError(str(error.get("type")), str(error.get("message")))
            # the remote traceback, when the service sends one (its pubsub_service.error_details)
            remote_error.remote_traceback = error.get("traceback")
            raise remote_error
        return reply.get("result")

    def request(self, request_id: str, service: str, method: str, kwargs: dict) -> dict:
        """The request content; signed (`reply_signature`) when the client has a signing key."""
        reply_to = self.ensure_reply_queue()
        content = dict(request_id=request_id, reply_to=reply_to, service=service, method=method, kwargs=kwargs)
        if self.signing_key:
            content["reply_signature"] = reply_signature(self.signing_key, reply_to, request_id)
        return content

    def prepare(self, service: str) -> None:
        """Register the request schema (`sns_topic_arns` routes a `...request.<service>.*` mapping itself)."""
        self.schema_registry.register(request_wildcard(service), ServiceRequestSchema)

    def ensure_reply_queue(self) -> str:
        """The reply queue URL, creating the queue on first use."""
        with self._queue_lock:
            if self.reply_queue_url is None:
                name = reply_queue_name(self.reply_queue_prefix)
                self.reply_queue_url = self.sqs_client.create_queue(
                    QueueName=name,
                    Attributes=dict(MessageRetentionPeriod=str(self.reply_retention_seconds)),
                )["QueueUrl"]
                at_exit(self.close)
                self.logger.info(f"created reply queue {self.reply_queue_url}")
            return self.reply_queue_url

    def wait_for(self, request_id: str, deadline: float) -> Optional[dict]:
        """The reply to `request_id`, or None at the deadline."""
        while True:
            with self._poll_lock:
                reply = self._replies.pop(request_id, None)
                remaining = deadline - monotonic()
                if reply is not None or remaining <= 0:
                    return reply
                cap = SQS_MAX_WAIT_SECONDS if len(self._waiting) == 1 else SHARED_POLL_SECONDS
                self.receive(min(remaining, cap))

    def receive(self, wait_seconds: float) -> None:
        """One receive on the reply queue, filing each reply under its request id."""
        response = self.sqs_client.receive_message(
            QueueUrl=self.reply_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=int(wait_seconds),
        )
        messages = response.get("Messages", [])
        for raw in messages:
            self.sqs_client.delete_message(QueueUrl=self.reply_queue_url, ReceiptHandle=raw["ReceiptHandle"])
            try:
                reply = loads(raw["Body"])
            except (JSONDecodeError, TypeError):
                self.logger.warning(render("dropping a reply that is not JSON: {body}", body=raw.get("Body")))
                continue
            request_id = reply.get("requestId") if isinstance(reply, dict) else None
            if request_id in self._waiting:
                self._replies[request_id] = reply
            else:
                self.logger.info(render("dropping a late or unknown reply (request {request_id})",
                                        request_id=request_id))
        if not messages and wait_seconds < 1:
            sleep(min(wait_seconds, 0.05))

    def close(self) -> None:
        """Delete the reply queue (a later call creates a new one)."""
        with self._queue_lock:
            queue_url, self.reply_queue_url = self.reply_queue_url, None
        if queue_url is None:
            return
        cancel_at_exit(self.close)
        try:
            self.sqs_client.delete_queue(QueueUrl=queue_url)
            self.logger.info(f"deleted reply queue {queue_url}")
        except Exception as error:
            self.logger.warning(f"cannot delete reply queue {queue_url}: {error}")

    def __enter__(self) -> "ServiceClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


@defaults(
    # reply queues are named <reply_queue_prefix>-<32 hex digits> (SQS allows 80 characters); a service
    # answers these names unlisted when its pubsub_service.reply_queue_prefix is the same
    reply_queue_prefix="pubsub-reply",
    # the key of the services called (their pubsub_service.signing_key): requests then carry replySignature
    signing_key=None,
    # seconds SQS keeps an unread reply (60 to 1209600)
    reply_retention_seconds=typed(int, default_value=300),
    # boto3 client settings for the reply queue; credentials come from boto3's own chain
    endpoint_url=None,
    profile_name=None,
    region_name=None,
)
def configure_service_client(graph: Any) -> ServiceClient:
    """The `service_client` component."""
    config = graph.config.service_client
    return ServiceClient(
        graph,
        reply_queue_prefix=config.reply_queue_prefix,
        reply_retention_seconds=config.reply_retention_seconds,
        signing_key=config.signing_key,
    )


def check_timeout(timeout: Any) -> None:
    """Refuse a call timeout that cannot be meant (nan, inf, negative, past SQS's 12 h)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not isfinite(timeout) \
            or not 0 < timeout <= SQS_MAX_VISIBILITY_TIMEOUT_SECONDS:
        raise ConfigurationError(
            f"call timeout {timeout!r} is not allowed: pass a number of seconds above 0 and at most "
            f"{SQS_MAX_VISIBILITY_TIMEOUT_SECONDS}"
        )
