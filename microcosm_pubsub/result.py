"""
What became of a message: one result type per outcome, each with exactly one SQS action.

| result    | when                                                    | SQS action        |
|-----------|---------------------------------------------------------|-------------------|
| SUCCEEDED | the handler returned a truthy value                     | delete            |
| SKIPPED   | falsy return, `SkipMessage`, or too many attempts       | delete            |
| IGNORED   | `IgnoreMessage`, no handler, or no schema               | delete            |
| EXPIRED   | `TTLExpired` (the hop count ran out)                    | delete            |
| DROPPED   | `Drop`: the consumer refuses the message                | delete            |
| RETRIED   | `Nack`                                                  | change visibility |
| FAILED    | any other exception, or a body that cannot be decoded   | change visibility |

"""
from dataclasses import dataclass, field
from enum import Enum, unique
from logging import INFO, WARNING, Logger
from sys import exc_info as current_exc_info
from typing import Any, Callable, Optional

from microcosm_pubsub.awaitables import isawaitable, run_to_completion
from microcosm_pubsub.constants import MESSAGE_ID_KEY
from microcosm_pubsub.errors import BadMessageError, Drop, HaltConsumer, IgnoreMessage, Nack, SkipMessage, TTLExpired
from microcosm_pubsub.log_safety import log_fields, printable_exc_info, render
from microcosm_pubsub.message import SQSMessage


RESULT_LINE = "Result for media type: {media_type} was : {result} (message_id={message_id}; reason: {reason})"
RESULT_LINE_NO_REASON = "Result for media type: {media_type} was : {result} (message_id={message_id})"


@dataclass
class MessageHandlingResultTypeInfo:
    name: str
    level: int
    retry: bool = False
    exc_info: bool = False


@unique
class MessageHandlingResultType(Enum):
    EXPIRED = MessageHandlingResultTypeInfo(name="EXPIRED", level=WARNING)
    FAILED = MessageHandlingResultTypeInfo(name="FAILED", level=WARNING, exc_info=True, retry=True)
    IGNORED = MessageHandlingResultTypeInfo(name="IGNORED", level=INFO)
    RETRIED = MessageHandlingResultTypeInfo(name="RETRIED", level=INFO, retry=True)
    SUCCEEDED = MessageHandlingResultTypeInfo(name="SUCCEEDED", level=INFO)
    SKIPPED = MessageHandlingResultTypeInfo(name="SKIPPED", level=INFO)
    DROPPED = MessageHandlingResultTypeInfo(name="DROPPED", level=INFO)

    def __init__(self, info: MessageHandlingResultTypeInfo):
        # plain attributes: read several times per message, where Enum's `value` lookups add up
        self.level: int = info.level
        self.retry: bool = info.retry
        self.exc_info: bool = info.exc_info
        self.label: str = info.name

    def __str__(self) -> str:
        return self.label


@dataclass
class MessageHandlingResult:
    media_type: Optional[str]
    result: MessageHandlingResultType
    exc_info: Optional[tuple[Any, Any, Any]] = None
    extra: dict[str, Any] = field(default_factory=dict)
    elapsed_time: Optional[float] = None
    handle_start_time: Optional[float] = None
    retry_timeout_seconds: Optional[int] = None
    # set when the handler raised HaltConsumer: the daemon stops after this message
    halt: Optional[HaltConsumer] = None

    @classmethod
    def invoke(cls, handler: Callable[[Any], Any], message: SQSMessage) -> "MessageHandlingResult":
        """
        Call `handler(message.content)` and classify what happened.

        An `async def` handler's coroutine is awaited to completion first (`run_to_completion`):
        the coroutine object itself is truthy, and taking it as the verdict would delete a message
        whose handler never ran.

        """
        try:
            success = handler(message.content)
            if isawaitable(success):
                success = run_to_completion(success)
        except Exception as error:
            return cls.from_error(message, error)
        return cls.from_result(message, bool(success))

    @classmethod
    async def invoke_async(cls, handler: Callable[[Any], Any], message: SQSMessage) -> "MessageHandlingResult":
        """`invoke` on an event loop: await what the handler returns (a cancellation propagates)."""
        try:
            success = handler(message.content)
            if isawaitable(success):
                success = await success
        except Exception as error:
            return cls.from_error(message, error)
        return cls.from_result(message, bool(success))

    @classmethod
    def from_result(cls, message: SQSMessage, success: bool) -> "MessageHandlingResult":
        kind = MessageHandlingResultType.SUCCEEDED if success else MessageHandlingResultType.SKIPPED
        return cls(media_type=message.media_type, result=kind)

    @classmethod
    def from_error(cls, message: SQSMessage, error: Exception, **kwargs: Any) -> "MessageHandlingResult":
        """Classify an exception raised while handling `message` (call inside its `except`)."""
        media_type = message.media_type
        if isinstance(error, HaltConsumer):
            kind = MessageHandlingResultType.RETRIED if error.requeue else MessageHandlingResultType.SUCCEEDED
            return cls(media_type=media_type, result=kind, extra=_reason(error), halt=error,
                       retry_timeout_seconds=0 if error.requeue else None)
        if isinstance(error, IgnoreMessage):
            return cls(media_type=media_type, result=MessageHandlingResultType.IGNORED, extra=_reason(error))
        if isinstance(error, SkipMessage):
            return cls(media_type=media_type, result=MessageHandlingResultType.SKIPPED, extra=_reason(error))
        if isinstance(error, TTLExpired):
            extra = {"reason": error.reason or "message hop count ran out", **error.extra}
            return cls(media_type=media_type, result=MessageHandlingResultType.EXPIRED, extra=extra)
        if isinstance(error, Drop):
            return cls(media_type=media_type, result=MessageHandlingResultType.DROPPED, extra=_reason(error))
        if isinstance(error, Nack):
            return cls(
                media_type=media_type,
                result=MessageHandlingResultType.RETRIED,
                extra=_reason(error),
                retry_timeout_seconds=error.visibility_timeout_seconds,
            )
        info = current_exc_info()
        if info[1] is not error:
            info = (type(error), error, error.__traceback__)
        return cls(
            media_type=media_type,
            result=MessageHandlingResultType.FAILED,
            exc_info=info,
        )

    def log(self, logger: Logger, opaque: Any) -> None:
        """
        One line per message: media type, result, message id and reason; opaque and extra as fields.

        Everything here may come from the message or from a handler echoing it, so the line is
        built by `log_safety.render` and the fields by `log_fields`: nothing in them can be
        interpreted by a formatter or forge a line.

        """
        kind = self.result
        if not logger.isEnabledFor(kind.level):
            return
        context = opaque.as_dict() if hasattr(opaque, "as_dict") else dict(opaque or {})
        fields = log_fields({**context, **self.extra, "media_type": self.media_type})
        reason = self.reason
        line = render(
            RESULT_LINE if reason else RESULT_LINE_NO_REASON,
            media_type=self.media_type,
            result=kind.label,
            message_id=context.get(MESSAGE_ID_KEY),
            reason=reason,
        )
        exc_info = self.exc_info
        if exc_info is not None:
            exc_info = None if isinstance(exc_info[1], BadMessageError) else printable_exc_info(exc_info)
        logger.log(kind.level, line, exc_info=exc_info, extra=fields)

    @property
    def reason(self) -> Optional[str]:
        """Why the message ended this way: the outcome's reason, else the exception's type and text."""
        reason = self.extra.get("reason")
        if not reason and self.exc_info and self.exc_info[1] is not None:
            reason = f"{type(self.exc_info[1]).__name__}: {self.exc_info[1]}"
        return reason

    def error_reporting(self, sentry_config: Any, opaque: Any) -> None:
        """Report FAILED and EXPIRED results that carry an exception to Sentry, when enabled."""
        if not getattr(sentry_config, "enabled", False) or not self.exc_info:
            return
        if self.result not in (MessageHandlingResultType.FAILED, MessageHandlingResultType.EXPIRED):
            return
        from microcosm_pubsub.sentry import report_error

        report_error(sentry_config, opaque, self.exc_info)

    def resolve(self, message: SQSMessage) -> "MessageHandlingResult":
        """Apply the result's SQS action at once: nack when it retries, else ack."""
        if self.result.retry:
            message.nack(self.retry_timeout_seconds)
        else:
            message.ack()
        return self


def _reason(error: Exception) -> dict:
    return {"reason": str(error), **getattr(error, "extra", {})}
