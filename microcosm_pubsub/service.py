"""
Services, commissaire style: subclass `PubSubService`, define `on_<method>`, call it remotely.

    class EchoService(PubSubService):
        name = "echo"

        def on_echo(self, message, words):
            return words

    EchoService().run()                      # --sqs-queue-url URL [--processes N] ...
    graph.service_client.call("echo", "echo", words="hi")    # -> "hi"

Why requests are ordinary messages: a call is published with `graph.sns_producer`, so
`sns_topic_arns` routes it, SNS subscription filter policies on `media_type` select it, and every
existing consumer tool (logs, `pubsub read`, metrics) sees it. The convention, for service S and
method M (S and M as `name_for` spells them):

- request: `application/vnd.globality.pubsub._.request.<S>.<M>` (`request_media_type(S, M)`),
  body fields `requestId`, `replyTo` (the caller's reply queue URL), `service`, `method`,
  `kwargs` (a JSON object). Route all of S with `sns_topic_arns.default`, one `mappings` entry per
  method, or one `mappings` entry for `application/vnd.globality.pubsub._.request.<S>.*`.
- reply: SQS SendMessage straight to `replyTo` (no topic), body `mediaType`
  (`application/vnd.globality.pubsub._.reply.<S>.<M>`), `requestId`, `service`, `method` and
  either `result` (the method's return value, JSON) or `error` (`{"type", "message"}`).

A service binds the wildcard `...request.<S>.*`: requests to other services have no schema in its
graph and are ignored (deleted from its queue: SNS gave their service its own copy). Outcome
exceptions (`Nack`, `Drop`, `HaltConsumer`, ...) raised by a method keep their queue meaning and
send no reply; any other exception is sent back and raised by the caller as `RemoteError`.

"""
from typing import Any

from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.errors import IgnoreMessage, PubSubError, RemoteError, ServiceTimeout, _Outcome
from microcosm_pubsub.manager import ServiceManager
from microcosm_pubsub.service_client import ServiceClient, configure_service_client
from microcosm_pubsub.service_protocol import (
    ServiceRequestSchema,
    make_reply,
    reply_media_type,
    request_media_type,
    request_wildcard,
    service_name_for,
)


METHOD_PREFIX = "on_"


class UnknownMethodError(PubSubError, AttributeError):
    """A caller asked for a method the service does not expose."""


class ServiceRequestHandler:
    """Bound to `...request.<service>.*`: runs `on_<method>` and sends the reply to the caller."""

    handles_sqs_message = True

    def __init__(self, service: "PubSubService", graph: Any):
        self.service = service
        self.service_name = service.service_name
        self.sqs_consumer = graph.sqs_consumer
        self.logger = graph.logger
        self.__name__ = f"{type(service).__name__} ({self.service_name})"

    def handle_sqs_message(self, message: Any) -> bool:
        content = message.content
        if content.get("service") != self.service_name:
            raise IgnoreMessage(f"request for service {content.get('service')}, not {self.service_name}")
        body = self.invoke(message, content)
        self.send_reply(content["reply_to"], body)
        return True

    def __call__(self, content: Any) -> Any:
        raise TypeError("ServiceRequestHandler is called with the whole message by the dispatcher")

    def invoke(self, message: Any, content: dict) -> str:
        """Run the method; its return value, or the exception it raised, as the reply body."""
        method = content["method"]
        try:
            result = self.service.find_method(method)(message, **(content.get("kwargs") or {}))
        except _Outcome:
            raise
        except Exception as error:
            return self.failed(content, error)
        try:
            return make_reply(content, result=result)
        except (TypeError, ValueError) as error:
            return self.failed(content, TypeError(f"on_{method} returned a value that is not JSON: {error}"))

    def failed(self, content: dict, error: Exception) -> str:
        self.logger.warning(
            f"{self.service_name}.{content['method']} raised {type(error).__name__}: {error}",
            exc_info=None if isinstance(error, UnknownMethodError) else error,
        )
        return make_reply(content, error=error)

    def send_reply(self, reply_to: str, body: str) -> None:
        """SendMessage to the caller's queue; a caller that already left is logged, not retried."""
        try:
            self.sqs_consumer.sqs_client.send_message(QueueUrl=reply_to, MessageBody=body)
        except Exception as error:
            self.logger.warning(f"cannot reply to {reply_to} (did the caller close its queue?): {error}")


class PubSubService(ConsumerDaemon):
    """A daemon exposing each `on_<method>(self, message, **kwargs)` as `<method>` on the bus."""

    @property
    def service_name(self) -> str:
        """The name callers use: the daemon's `name`, as `name_for` spells it."""
        return service_name_for(self.name)

    @property
    def methods(self) -> list[str]:
        """The exposed method names."""
        return sorted(
            attribute[len(METHOD_PREFIX):] for attribute in dir(type(self))
            if attribute.startswith(METHOD_PREFIX) and callable(getattr(type(self), attribute))
        )

    def find_method(self, method: str) -> Any:
        """The bound `on_<method>`; `UnknownMethodError` (listing the exposed ones) when there is none."""
        function = getattr(self, f"{METHOD_PREFIX}{method}", None) if method.isidentifier() else None
        if function is None or not callable(function):
            raise UnknownMethodError(
                f"service {self.service_name} has no method {method!r}: it exposes {', '.join(self.methods) or 'none'}"
            )
        return function

    def create_object_graph_components(self, graph: Any) -> None:
        """Also bind the request handler to this service's wildcard media type."""
        super().create_object_graph_components(graph)
        wildcard = request_wildcard(self.service_name)
        graph.pubsub_message_schema_registry.register(wildcard, ServiceRequestSchema)
        self.bound_handlers = {**(self.bound_handlers or {}), wildcard: ServiceRequestHandler(self, graph)}


__all__ = [
    "PubSubService",
    "RemoteError",
    "ServiceClient",
    "ServiceManager",
    "ServiceRequestSchema",
    "ServiceTimeout",
    "UnknownMethodError",
    "configure_service_client",
    "reply_media_type",
    "request_media_type",
    "request_wildcard",
]
