"""
The wire convention shared by `PubSubService` and `ServiceClient` (see `microcosm_pubsub.service`).

For service S and method M (both as `name_for` spells them):

- request media type: `application/vnd.globality.pubsub._.request.<S>.<M>`; body fields
  `requestId`, `replyTo` (the caller's reply queue URL), `service`, `method`, `kwargs`.
- reply media type: `application/vnd.globality.pubsub._.reply.<S>.<M>`; body fields
  `requestId`, `service`, `method` and either `result` or `error` (`{"type", "message"}`).

"""
from json import dumps
from typing import Any, Optional

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import media_type, name_for
from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.registry import wildcard_for


REQUEST = "request"
REPLY = "reply"


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


class ServiceRequestSchema(PubSubMessageSchema):
    """A call: which service and method, with what keyword arguments, and where to reply."""

    MEDIA_TYPE = request_wildcard("service")

    requestId = fields.String(attribute="request_id", required=True)
    replyTo = fields.String(attribute="reply_to", required=True)
    service = fields.String(required=True)
    method = fields.String(required=True)
    kwargs = fields.Dict(keys=fields.String(), load_default=dict, dump_default=dict)


def make_reply(content: dict, result: Any = None, error: Optional[BaseException] = None) -> str:
    """The JSON body answering the request `content` (decoded) with a result or an error."""
    body: dict = dict(
        mediaType=reply_media_type(content["service"], content["method"]),
        requestId=content["request_id"],
        service=content["service"],
        method=content["method"],
    )
    if error is not None:
        body["error"] = dict(type=type(error).__name__, message=str(error))
    else:
        body["result"] = result
    return dumps(body)
