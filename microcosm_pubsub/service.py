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
  body fields `requestId`, `replyTo` (the caller's reply queue URL), `service`, `method` (M),
  `kwargs` (a JSON object), `replySignature` (when the caller signs). Route all of S with
  `sns_topic_arns.default`, one `mappings` entry per method, or one `mappings` entry for
  `application/vnd.globality.pubsub._.request.<S>.*`.
- reply: SQS SendMessage straight to `replyTo` (no topic) when `pubsub_service` accepts it, body
  `mediaType` (`application/vnd.globality.pubsub._.reply.<S>.<M>`), `requestId`, `service`,
  `method` and either `result` (the method's return value, JSON) or `error` (`{"type",
  "message"}`, and `traceback` with `pubsub_service.error_details`).

A service binds the wildcard `...request.<S>.*`: requests to other services have no schema in its
graph and are ignored (deleted from its queue: SNS gave their service its own copy). Outcome
exceptions (`Nack`, `Drop`, `HaltConsumer`, ...) raised by a method keep their queue meaning and
send no reply; any other exception is sent back and raised by the caller as `RemoteError`.

Why a request is checked before it runs: anyone who can publish to the topic writes `replyTo`
and the media type. The method is the media type's (a body `method` that differs is refused with
an error reply, as is a method that is not an identifier), and the reply goes only to a queue
`pubsub_service` accepts (see `ReplyPolicy`): a refused request runs nothing, is deleted, and
is logged once. Lines that carry request content are built with `log_safety.render`.

"""
from asyncio import to_thread
from inspect import iscoroutinefunction
from typing import Any

from microcosm_pubsub.awaitables import in_running_loop, isawaitable, run_to_completion
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.errors import Drop, IgnoreMessage, PubSubError, RemoteError, ServiceTimeout, _Outcome
from microcosm_pubsub.log_safety import printable_exc_info, render
from microcosm_pubsub.manager import ServiceManager
from microcosm_pubsub.observability.services import reply_span
from microcosm_pubsub.service_client import ServiceClient, configure_service_client
from microcosm_pubsub.service_policy import ReplyPolicy, configure_pubsub_service
from microcosm_pubsub.service_protocol import (
    ServiceRequestSchema,
    make_reply,
    method_for,
    reply_media_type,
    request_media_type,
    request_wildcard,
    service_name_for,
)


METHOD_PREFIX = "on_"
FAILED_LINE = "{service}.{method} raised {error_type}: {error}"
REFUSED_LINE = "{service}: refused request {request_id} ({media_type}): reply queue {reply_to} {reason}; no reply sent"
UNSENT_LINE = "{service}: cannot reply to {reply_to} (did the caller close its queue?): {error}"


class UnknownMethodError(PubSubError, AttributeError):
    """A caller asked for a method the service does not expose."""


class BadRequestError(PubSubError, ValueError):
    """A request naming no method a service could expose, or a body `method` other than its media type's."""


class ServiceRequestHandler:
    """Bound to `...request.<service>.*`: runs `on_<method>` and sends the reply to the caller."""

    handles_sqs_message = True

    def __init__(self, service: "PubSubService", graph: Any):
        self.service = service
        self.service_name = service.service_name
        self.sqs_consumer = graph.sqs_consumer
        self.policy = graph.pubsub_service
        self.logger = graph.logger
        self.__name__ = f"{type(service).__name__} ({self.service_name})"

    def handle_sqs_message(self, message: Any) -> bool:
        content = message.content
        if content.get("service") != self.service_name:
            raise IgnoreMessage(f"request for service {content.get('service')!r:.100}, not {self.service_name}")
        refusal = self.policy.refusal(content)
        if refusal is not None:
            self.logger.warning(render(
                REFUSED_LINE, service=self.service_name, request_id=content.get("request_id"),
                media_type=message.media_type, reply_to=content.get("reply_to"), reason=refusal,
            ))
            raise Drop("reply queue refused: no reply sent")
        request = dict(content, method=method_for(message.media_type))
        body = self.invoke(message, request, named=content.get("method"))
        if isawaitable(body):
            return self.reply_when_done(content["reply_to"], body)
        self.send_reply(content["reply_to"], body)
        return True

    def is_async_for(self, media_type: Any) -> bool:
        """Whether requests of this media type run on the engine's event loop (for the wildcard: any method's)."""
        method = method_for(media_type) if isinstance(media_type, str) else ""
        names = self.service.methods if method == "*" else [method]
        return any(iscoroutinefunction(getattr(self.service, f"{METHOD_PREFIX}{name}", None)) for name in names)

    async def reply_when_done(self, reply_to: str, body: Any) -> bool:
        """On the event loop: await an async method's reply, then send it from a thread (SendMessage blocks)."""
        await to_thread(self.send_reply, reply_to, await body)
        return True

    def __call__(self, content: Any) -> Any:
        raise TypeError("ServiceRequestHandler is called with the whole message by the dispatcher")

    def invoke(self, message: Any, request: dict, named: Any) -> str:
        """Run the media type's method; its return value, or the exception it raised, as the reply body."""
        method = request["method"]
        try:
            if named != method:
                raise BadRequestError(
                    f"the request body names method {named!r:.100} but its media type names {method!r:.100}: "
                    "publish requests with request_media_type(service, method)"
                )
            function = self.service.find_method(method, list_exposed=self.policy.error_details)
            result = function(message, **(request.get("kwargs") or {}))
            if isawaitable(result):
                if in_running_loop():
                    return self.awaited_reply(request, result)
                result = run_to_completion(result)
        except _Outcome:
            raise
        except Exception as error:
            return self.failed(request, error)
        return self.reply_for(request, result)

    async def awaited_reply(self, request: dict, awaitable: Any) -> str:
        """`invoke`'s reply for an async method on the event loop."""
        try:
            result = await awaitable
        except _Outcome:
            raise
        except Exception as error:
            return self.failed(request, error)
        return self.reply_for(request, result)

    def reply_for(self, request: dict, result: Any) -> str:
        try:
            return make_reply(request, result=result)
        except (TypeError, ValueError) as error:
            return self.failed(request, TypeError(f"on_{request['method']} returned a value that is not JSON: {error}"))

    def failed(self, request: dict, error: Exception) -> str:
        """Log the failure (traceback unless the caller was at fault) and make the error reply."""
        callers_fault = isinstance(error, (UnknownMethodError, BadRequestError))
        self.logger.warning(
            render(FAILED_LINE, service=self.service_name, method=request["method"],
                   error_type=type(error).__name__, error=error),
            exc_info=None if callers_fault else printable_exc_info((type(error), error, error.__traceback__)),
        )
        return make_reply(request, error=error, with_traceback=self.policy.error_details)

    def send_reply(self, reply_to: str, body: str) -> None:
        """SendMessage to the caller's queue; a caller that already left is logged, not retried."""
        try:
            with reply_span(reply_to) as trace_arguments:  # the reply continues the caller's trace
                self.sqs_consumer.sqs_client.send_message(QueueUrl=reply_to, MessageBody=body, **trace_arguments)
        except Exception as error:
            self.logger.warning(render(UNSENT_LINE, service=self.service_name, reply_to=reply_to, error=error))


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

    def find_method(self, method: str, list_exposed: bool = False) -> Any:
        """The bound `on_<method>`; `BadRequestError` for a non-identifier, else `UnknownMethodError` when none."""
        if not isinstance(method, str) or not method.isidentifier():
            raise BadRequestError(f"method {method!r:.100} is not a Python identifier: services expose on_<identifier>")
        function = getattr(self, f"{METHOD_PREFIX}{method}", None)
        if function is None or not callable(function):
            exposed = f": it exposes {', '.join(self.methods) or 'none'}" if list_exposed else ""
            raise UnknownMethodError(f"service {self.service_name} has no method {method!r}{exposed}")
        return function

    def create_object_graph_components(self, graph: Any) -> None:
        """Also bind the request handler to this service's wildcard media type, with its reply policy."""
        super().create_object_graph_components(graph)
        graph.use("pubsub_service")
        wildcard = request_wildcard(self.service_name)
        graph.pubsub_message_schema_registry.register(wildcard, ServiceRequestSchema)
        self.bound_handlers = {**(self.bound_handlers or {}), wildcard: ServiceRequestHandler(self, graph)}


__all__ = [
    "BadRequestError",
    "PubSubService",
    "RemoteError",
    "ReplyPolicy",
    "ServiceClient",
    "ServiceManager",
    "ServiceRequestSchema",
    "ServiceTimeout",
    "UnknownMethodError",
    "configure_pubsub_service",
    "configure_service_client",
    "reply_media_type",
    "request_media_type",
    "request_wildcard",
]
