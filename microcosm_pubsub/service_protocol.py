"""
The wire convention shared by `PubSubService` and `ServiceClient` (see `microcosm_pubsub.service`).

For service S and method M (both as `name_for` spells them):

- request media type: `application/vnd.globality.pubsub._.request.<S>.<M>`; body fields
  `requestId`, `replyTo` (the caller's reply queue URL), `service`, `method` (equal to M),
  `kwargs` and, when the caller has a signing key, `replySignature`.
- reply media type: `application/vnd.globality.pubsub._.reply.<S>.<M>` (`...reply.<S>` when M is
  not an identifier); body fields `requestId`, `service`, `method` and either `result` or `error`
  (`{"type", "message"}`, plus `traceback` when the service opts in).

Why reply queues have a fixed naming and an optional signature: `replyTo` is chosen by whoever
publishes the request, so a service that sent wherever it said would deliver its answers into any
queue it can write to. A service answers only queues named `<prefix>-<32 hex digits>` in its own
account and region (or listed in its config); `replySignature`, an HMAC-SHA256 of the reply queue
URL and request id under a key shared by callers and service, proves the caller chose that queue.

"""
import hmac
import re
from hashlib import sha256
from json import dumps
from traceback import format_exception
from typing import Any, NamedTuple, Optional
from urllib.parse import urlsplit
from uuid import uuid4

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import media_type, name_for
from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.registry import wildcard_for


REQUEST = "request"
REPLY = "reply"

REPLY_QUEUE_SUFFIX = re.compile(r"-[0-9a-f]{32}")
# SQS endpoint host names whose region is part of the name (public, legacy and VPC endpoint forms)
AWS_QUEUE_HOSTS = (
    re.compile(r"sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"),
    re.compile(r"([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?"),
    re.compile(r"[a-z0-9-]+\.sqs\.([a-z0-9-]+)\.vpce\.amazonaws\.com"),
)
LEGACY_US_EAST_1_HOST = "queue.amazonaws.com"


def service_name_for(service: str) -> str:
    """The bus name of a service: `name_for(service)`, which must not contain dots."""
    name = name_for(service) if service else ""
    if not name or "." in name:
        raise ConfigurationError(f"service name {service!r} must be a non-empty name without dots")
    return name


def check_method_name(method: str) -> str:
    """A method name is a Python identifier (the service defines `on_<method>`)."""
    if not isinstance(method, str) or not method.isidentifier():
        raise ValueError(f"method {method!r} is not a Python identifier: a service exposes on_<method>")
    return method


def request_media_type(service: str, method: str) -> str:
    """`application/vnd.globality.pubsub._.request.<service>.<method>`."""
    return media_type(REQUEST)(f"{service_name_for(service)}.{check_method_name(method)}")


def reply_media_type(service: str, method: str) -> str:
    """`application/vnd.globality.pubsub._.reply.<service>.<method>`."""
    return media_type(REPLY)(f"{service_name_for(service)}.{check_method_name(method)}")


def request_wildcard(service: str) -> str:
    """The pattern of every request to `service`: `...request.<service>.*`."""
    return wildcard_for(request_media_type(service, "any"))


def method_for(request_type: str) -> str:
    """The method a request media type names: its last dot-segment (what the service's wildcard matched)."""
    return request_type.rsplit(".", 1)[-1]


def reply_queue_name(prefix: str) -> str:
    """A new reply queue name: `<prefix>-<32 hex digits>`, the only kind a service answers unlisted."""
    return f"{prefix}-{uuid4().hex}"


def is_reply_queue_name(name: str, prefix: str) -> bool:
    """Whether `name` is what `reply_queue_name(prefix)` makes."""
    return name.startswith(prefix) and REPLY_QUEUE_SUFFIX.fullmatch(name[len(prefix):]) is not None


class QueueAddress(NamedTuple):
    """Where an SQS queue URL points: endpoint (scheme and region, or host), account, queue name."""

    endpoint: str
    account: str
    name: str


def queue_address(url: Any) -> Optional[QueueAddress]:
    """The address of an SQS queue URL (`scheme://host/<account>/<name>`, nothing more); None otherwise."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    segments = parts.path.split("/")
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username is not None
            or parts.query or parts.fragment or len(segments) != 3 or segments[0] or not all(segments[1:])):
        return None
    region = _aws_region(parts.hostname) if port is None else None
    endpoint = f"aws/{region}" if region else f"{parts.hostname}:{port or ''}"
    return QueueAddress(f"{parts.scheme}://{endpoint}", segments[1], segments[2])


def _aws_region(host: str) -> Optional[str]:
    if host == LEGACY_US_EAST_1_HOST:
        return "us-east-1"
    for pattern in AWS_QUEUE_HOSTS:
        match = pattern.fullmatch(host)
        if match:
            return match.group(1)
    return None


def reply_signature(key: str, reply_to: str, request_id: str) -> str:
    """HMAC-SHA256 (hex) of the reply queue URL and the request id under the shared `key`."""
    return hmac.new(key.encode(), dumps([reply_to, request_id]).encode(), sha256).hexdigest()


def is_signed(key: str, reply_to: str, request_id: str, signature: Any) -> bool:
    """Whether `signature` is `reply_signature(key, reply_to, request_id)` (compared in constant time)."""
    if not all(isinstance(value, str) for value in (signature, reply_to, request_id)) or not signature.isascii():
        return False
    return hmac.compare_digest(reply_signature(key, reply_to, request_id), signature)


class ServiceRequestSchema(PubSubMessageSchema):
    """A call: which service and method, with what keyword arguments, and where to reply."""

    MEDIA_TYPE = request_wildcard("service")

    requestId = fields.String(attribute="request_id", required=True)
    replyTo = fields.String(attribute="reply_to", required=True)
    service = fields.String(required=True)
    method = fields.String(required=True)
    kwargs = fields.Dict(keys=fields.String(), load_default=dict, dump_default=dict)
    replySignature = fields.String(attribute="reply_signature", load_default=None)


def make_reply(content: dict, result: Any = None, error: Optional[BaseException] = None,
               with_traceback: bool = False) -> str:
    """The JSON body answering the request `content` (decoded) with a result or an error."""
    service, method = content["service"], content["method"]
    known = isinstance(method, str) and method.isidentifier()
    body: dict = dict(
        mediaType=reply_media_type(service, method) if known else media_type(REPLY)(service_name_for(service)),
        requestId=content["request_id"],
        service=service,
        method=method,
    )
    if error is not None:
        body["error"] = dict(type=type(error).__name__, message=str(error))
        if with_traceback:
            body["error"]["traceback"] = "".join(format_exception(error))
    else:
        body["result"] = result
    return dumps(body)
