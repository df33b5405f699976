"""
Run one message through its handler, inside the message's request context.

The dispatcher decides a message's result; it does not talk to SQS except through
`handle_message`/`handle_batch`, which resolve each result at once with a single call (the
earlier library's behaviour, which test suites assert). The daemon's engine calls
`process_message` instead and resolves results in batches.

"""
from contextlib import nullcontext
from logging import Logger, LoggerAdapter
from math import isfinite
from sys import exc_info
from time import perf_counter, time
from typing import Any, Callable, Optional

from inflection import titleize
from microcosm.api import defaults, typed
from microcosm_logging.decorators import logger

from microcosm_pubsub.bounds import Bounds, checked, setting
from microcosm_pubsub.constants import PUBLISHED_KEY, TTL_KEY
from microcosm_pubsub.errors import IgnoreMessage, SkipMessage, TTLExpired
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.opaque_context import current_context, message_context
from microcosm_pubsub.log_safety import log_fields, render, safe_log_extra
from microcosm_pubsub.observability.observer import observer_for
from microcosm_pubsub.result import MessageHandlingResult, MessageHandlingResultType
from microcosm_pubsub import tracing
from microcosm_pubsub.tracing import trace_incoming_message_process


# a negative limit would skip (delete) every message unhandled; 0, like None, never skips
MAX_ATTEMPTS = Bounds(0, note="0 or unset: never skip")
# without Dynatrace's SDK a message's handling is not traced: a shared no-op context instead
NO_TRACE = nullcontext()


class OpaqueContextLogger(LoggerAdapter):
    """A handler's logger that adds the current message's opaque context to every record.

    The opaque comes from the message, so its keys and values are made safe (`log_fields`);
    the handler's own `extra` is its own, and only renamed where it collides with the record.
    """

    def __init__(self, logger: Logger, opaque: Any):
        super().__init__(logger, {})
        self.opaque = opaque

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        kwargs["extra"] = {**log_fields(self.opaque.as_dict()), **safe_log_extra(kwargs.get("extra") or {})}
        return msg, kwargs


@logger
@defaults(
    # receive count past which a message is deleted as SKIPPED instead of retried (None: never)
    message_max_processing_attempts=typed(int, default_value=None),
)
class SQSMessageDispatcher:
    """Dispatches SQS messages to the handlers bound to their media types."""

    logger: Logger

    def __init__(self, graph: Any):
        self.opaque = graph.opaque
        self.sqs_consumer = graph.sqs_consumer
        self.sqs_message_context = graph.sqs_message_context
        self.sqs_message_handler_registry = graph.sqs_message_handler_registry
        self.send_metrics = graph.pubsub_send_metrics
        self.send_batch_metrics = graph.pubsub_send_batch_metrics
        self.sentry_config = graph.sentry_logging_pubsub
        self.max_processing_attempts = checked(
            setting(graph, "sqs_message_dispatcher", "message_max_processing_attempts"),
            graph.config.sqs_message_dispatcher.message_max_processing_attempts, MAX_ATTEMPTS,
        )
        self._prepared: dict[int, Any] = {}
        self._handler_names: dict[type, str] = {}
        # OpenTelemetry span and Prometheus metrics per message (no-op without the extras)
        self.observer = observer_for(graph, self.sqs_consumer)

    def handle_batch(self, bound_handlers: dict[str, Any]) -> list[MessageHandlingResult]:
        """Receive one batch and handle each message in turn, resolving each at once."""
        start = perf_counter()
        messages = self.sqs_consumer.consume()
        if self.sqs_message_handler_registry.has_batch_handlers:
            from microcosm_pubsub.engine.batching import handle_resolving

            results = handle_resolving(self, messages, bound_handlers)
        else:
            results = [self.handle_message(message, bound_handlers) for message in messages]
        batch_elapsed_time = (perf_counter() - start) * 1000
        counted = sum(1 for result in results if result.result != MessageHandlingResultType.IGNORED)
        if counted:
            self.logger.debug(
                f"Completed batch: Message count: {counted}, elapsed_time: {batch_elapsed_time}",
            )
        self.send_batch_metrics(batch_elapsed_time, counted)
        for result in results:
            self.send_metrics(result)
        return results

    def handle_message(self, message: SQSMessage, bound_handlers: dict[str, Any]) -> MessageHandlingResult:
        """Handle one message and resolve it at once (delete, or change its visibility)."""
        if self.sqs_message_handler_registry.has_batch_handlers:
            from microcosm_pubsub.engine.batching import handle_resolving

            return handle_resolving(self, [message], bound_handlers)[0]
        result = self.process_message(message, bound_handlers)
        return result.resolve(message)

    def process_message(self, message: SQSMessage, bound_handlers: dict[str, Any]) -> MessageHandlingResult:
        """Handle one message, log and report its result; the caller resolves it."""
        with self.handling(message, bound_handlers) as handling:
            if handling.result is None:
                handling.result = MessageHandlingResult.invoke(handler=handling.call, message=message)
        return handling.result

    async def process_message_async(self, message: SQSMessage, bound_handlers: dict[str, Any]) -> MessageHandlingResult:
        """`process_message` on an event loop: an async handler is awaited (a cancellation propagates)."""
        with self.handling(message, bound_handlers) as handling:
            if handling.result is None:
                handling.result = await MessageHandlingResult.invoke_async(handler=handling.call, message=message)
        return handling.result

    def handling(self, message: SQSMessage, bound_handlers: dict[str, Any]) -> "Handling":
        """
        The message's context, checks and handler around the call, then its timing and log line.

        A check that pre-empts the handler (TTL, attempts, no content, no handler) sets the result;
        otherwise the caller sets it by calling `call`. When the call is cancelled nothing is recorded.

        """
        return Handling(self, message, bound_handlers)

    def message_context(self, message: SQSMessage) -> Any:
        """The opaque context of one message (see `opaque_context`)."""
        return message_context(self.opaque, self.sqs_message_context, message)

    def record(self, message: SQSMessage, result: MessageHandlingResult, start_time: float, start: float,
               handler: Any) -> None:
        """
        Time, log and report a result; nothing here may change it.

        The handler has run: a failure now (a hostile opaque value, a broken log handler or
        Sentry) must not turn a handled message into a retried one, which would run the
        handler again.
        """
        try:
            result.elapsed_time = max((perf_counter() - start) * 1000, 1e-6)
            context = current_context(self.opaque)
            context["elapsed_time"] = result.elapsed_time
            published = published_at(context.get(PUBLISHED_KEY))
            if published is not None:
                result.handle_start_time = start_time - published
            result.log(logger=self.choose_logger(handler), opaque=self.opaque)
            result.error_reporting(sentry_config=self.sentry_config, opaque=self.opaque)
        except Exception as error:
            self.logger.warning(render(
                "recording the result of message {message_id} failed ({error}); its result stands: {result}",
                message_id=message.message_id, error=type(error).__name__, result=result.result,
            ))

    def validate_message(self, message: SQSMessage) -> None:
        """Raise the outcome that pre-empts the handler, if any."""
        self.validate_ttl()
        self.validate_processing_limit(message)
        self.validate_content(message)

    def validate_ttl(self) -> None:
        """The publish-loop guard; with `enable_ttl` off an inbound hop count is passed on, not enforced."""
        if not getattr(self.sqs_message_context, "enable_ttl", True):
            return
        ttl = current_context(self.opaque).get(TTL_KEY)
        if ttl is not None and int(ttl) <= 0:
            raise TTLExpired("message hop count (opaqueData x-request-ttl) ran out: a publish loop?")

    def validate_processing_limit(self, message: SQSMessage) -> None:
        limit = self.max_processing_attempts
        if limit and (message.approximate_receive_count or 1) > limit:
            raise SkipMessage(
                f"Message exceeded maximum of {limit} processing attempts. Skipping",
                extra=dict(max=limit),
            )

    def validate_content(self, message: SQSMessage) -> None:
        if message.decode_error is not None:
            raise message.decode_error
        if message.content is None:
            raise IgnoreMessage(f"Could not parse message for: {message.media_type}")

    def find_handler(self, message: SQSMessage, bound_handlers: dict[str, Any]) -> Callable[[Any], Any]:
        try:
            handler = self.sqs_message_handler_registry.find(message.media_type, bound_handlers)
        except KeyError:
            raise IgnoreMessage(f"No handler was registered for: {message.media_type}") from None
        current_context(self.opaque)["handler"] = self.handler_name(handler)
        return self.prepare_handler(handler)

    def handler_name(self, handler: Any) -> str:
        """The handler's display name for logs ("Simple Handler"), computed once per type."""
        cls = type(handler)
        name = self._handler_names.get(cls)
        if name is None:
            name = self._handler_names[cls] = titleize(cls.__name__)
        return name

    def callable_for(self, handler: Any, message: SQSMessage) -> Callable[[Any], Any]:
        """What to call with the content: callbacks and services take the whole message instead."""
        if getattr(handler, "handles_sqs_message", False):
            return lambda content: handler.handle_sqs_message(message)
        return handler

    def prepare_handler(self, handler: Any) -> Any:
        """Give a handler's own logger the message context, once per handler (thread-safe)."""
        key = id(handler)
        if key not in self._prepared:
            handler_logger: Optional[Any] = getattr(handler, "logger", None)
            if isinstance(handler_logger, Logger):
                try:
                    handler.logger = OpaqueContextLogger(handler_logger, self.opaque)
                except (AttributeError, TypeError):
                    pass
            self._prepared[key] = handler
        return handler

    def choose_logger(self, handler: Any) -> Any:
        """The handler's logger when it has one, so results log under the handler's name."""
        return getattr(handler, "logger", None) or self.logger


class Handling:
    """
    One message being handled: its context, span and measurement entered around the handler.

    A class rather than a generator context manager: it runs once per message, and entering the
    message context, the trace and the observation directly costs a fraction of nested `with`s in
    a generator. The order matches them: entered context, trace, observation; left in reverse.
    """

    __slots__ = ("dispatcher", "message", "bound_handlers", "start_time", "start", "handler", "call", "result",
                 "context", "trace", "observation")

    def __init__(self, dispatcher: SQSMessageDispatcher, message: SQSMessage, bound_handlers: dict[str, Any]):
        self.dispatcher, self.message, self.bound_handlers = dispatcher, message, bound_handlers
        self.handler: Any = None
        self.call: Any = None
        self.result: Optional[MessageHandlingResult] = None

    def __enter__(self) -> "Handling":
        dispatcher, message = self.dispatcher, self.message
        self.context = dispatcher.message_context(message)
        self.context.__enter__()
        try:
            self.start_time, self.start = time(), perf_counter()
            queue_url = dispatcher.sqs_consumer.sqs_queue_url
            self.trace = trace_incoming_message_process(dispatcher.opaque, message, queue_url) \
                if tracing.oneagent is not None else NO_TRACE
            self.trace.__enter__()
            try:
                self.observation = dispatcher.observer.observe(dispatcher.opaque, message, queue_url,
                                                               self.bound_handlers)
                self.observation.__enter__()
            except BaseException:
                self.trace.__exit__(*exc_info())
                raise
        except BaseException:
            self.context.__exit__(*exc_info())
            raise
        try:
            dispatcher.validate_message(message)
            self.handler = dispatcher.find_handler(message, self.bound_handlers)
            self.call = dispatcher.callable_for(self.handler, message)
        except Exception as error:
            self.result = MessageHandlingResult.from_error(message=message, error=error)
        except BaseException:
            self.__exit__(*exc_info())
            raise
        return self

    def __exit__(self, exc_type: Any, error: Optional[BaseException], traceback: Any) -> None:
        try:
            try:
                try:
                    if exc_type is None:
                        self.observation.finish(self.result)
                finally:
                    self.observation.__exit__(exc_type, error, traceback)
            finally:
                self.trace.__exit__(exc_type, error, traceback)
            if exc_type is None:
                self.dispatcher.record(self.message, self.result, self.start_time, self.start, self.handler)
        finally:
            self.context.__exit__(exc_type, error, traceback)


def published_at(value: Any) -> Optional[float]:
    """`x-request-published` as epoch seconds, or None when it is missing or not a finite number."""
    if not value or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return seconds if isfinite(seconds) else None
