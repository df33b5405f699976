"""
Errors and message outcomes.

Every error the package raises derives from `PubSubError`. Where the earlier library promised a
`KeyError` or a marshmallow `ValidationError`, the error derives from both, so existing `except`
clauses keep working while new code can catch the one root.

Handlers report what should happen to a message by raising an outcome exception (`Nack`, `Drop`,
`SkipMessage`, ...); each maps to exactly one SQS action (see `result.py`).

"""
from typing import Any, Iterable, Optional

from marshmallow import ValidationError


class PubSubError(Exception):
    """Root of every error raised by microcosm_pubsub."""


class _KeyErrorMessage:
    """Mixin: show a KeyError subclass's message without KeyError's repr quoting."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigurationError(PubSubError, ValueError):
    """A setting is missing or invalid; the message names the config key and env var."""


class TopicNotDefinedError(PubSubError):
    """No topic is configured for a media type."""


class SchemaNotFoundError(_KeyErrorMessage, PubSubError, KeyError):
    """No schema is registered for a media type."""


class HandlerNotFoundError(_KeyErrorMessage, PubSubError, KeyError):
    """No bound handler exists for a media type."""


class AlreadyRegisteredError(PubSubError):
    """A different schema or handler is already registered for a media type."""


class ContentValidationError(PubSubError, ValidationError):
    """Message content does not match its schema; `messages` names the fields."""


class BadMessageError(PubSubError):
    """A received message cannot be decoded; logged with its reason, without a traceback."""


class PublishError(PubSubError):
    """Publishing failed; the original error is chained as `__cause__`."""


class MessageTooLargeError(PublishError):
    """A message is larger than SNS accepts; it was not sent."""

    def __init__(self, media_type: str, size: int, limit: int):
        super().__init__(
            f"message of media type {media_type} is {size} bytes with its attributes, over the "
            f"SNS limit of {limit} bytes: set sns_producer.large_payload_bucket to send large messages "
            f"through S3, or publish a reference (a uri) instead of the payload"
        )
        self.media_type = media_type
        self.size = size
        self.limit = limit


class BatchPublishError(PublishError):
    """Some entries of a `PublishBatch` failed; `failed` lists them, `message_ids` the rest."""

    def __init__(self, failed: list[dict], message_ids: list[Optional[str]]):
        summary = ", ".join(
            f"entry {entry['index']}: {entry.get('code')} {entry.get('message')}".strip()
            for entry in failed
        )
        super().__init__(f"{len(failed)} of {len(message_ids)} messages failed to publish ({summary})")
        self.failed = failed
        self.message_ids = message_ids


class _Outcome(PubSubError):
    """Base of the exceptions a handler raises to decide its message's fate."""

    def __init__(self, reason: Optional[str] = None, extra: Optional[dict] = None):
        super().__init__(reason)
        self.extra = extra or dict()

    @property
    def reason(self) -> Optional[str]:
        return self.args[0] if self.args else None


class Nack(_Outcome):
    """Retry the message after `visibility_timeout_seconds` (0 means at once)."""

    def __init__(
        self,
        visibility_timeout_seconds: Optional[int],
        reason: Optional[str] = None,
        extra: Optional[dict] = None,
    ):
        super().__init__(reason, extra)
        self.visibility_timeout_seconds = visibility_timeout_seconds

    def __repr__(self) -> str:
        return (
            f"Nack(visibility_timeout_seconds={self.visibility_timeout_seconds}, "
            f"reason={str(self)}, extra={self.extra})"
        )


class SkipMessage(_Outcome):
    """Stop processing and delete the message: a precondition in the handler failed."""

    def __init__(self, reason: Optional[str], extra: Optional[dict] = None):
        super().__init__(reason, extra)


class IgnoreMessage(_Outcome):
    """Delete the message without counting it: this consumer does not process it."""

    def __init__(self, reason: Optional[str], extra: Optional[dict] = None):
        super().__init__(reason, extra)


class TTLExpired(_Outcome):
    """The message's hop count ran out: it is deleted to break a publish loop."""


class Drop(_Outcome):
    """The consumer refuses the message: it is deleted, logged and counted as dropped."""


class HaltConsumer(_Outcome):
    """Stop consuming gracefully and exit with `exit_code`; the message is deleted unless `requeue`."""

    def __init__(self, exit_code: int = 0, reason: Optional[str] = None, requeue: bool = False,
                 extra: Optional[dict] = None):
        super().__init__(reason, extra)
        self.exit_code = exit_code
        self.requeue = requeue


class BatchFailures(PubSubError):
    """
    Raised by a batch handler (`@handles_batch`): the messages named here failed, the rest succeeded.

    `failures` maps message ids to what became of each: an outcome (`Nack(30)`, `SkipMessage`,
    `Drop`, ...) or any exception (FAILED, retried by the backoff policy).

    """

    def __init__(self, failures: dict, reason: Optional[str] = None):
        super().__init__(reason or f"{len(failures)} messages of the batch failed")
        self.failures = dict(failures)


class RemoteError(PubSubError):
    """A service method raised; carries the remote exception's type name and message."""

    def __init__(self, remote_type: str, remote_message: str):
        super().__init__(f"{remote_type}: {remote_message}")
        self.remote_type = remote_type
        self.remote_message = remote_message


class ServiceTimeout(PubSubError, TimeoutError):
    """No reply to a service call arrived in time."""


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each invalid field and why."""
    messages: Any = error.messages
    if isinstance(messages, dict):
        return "; ".join(f"{field}: {_flatten(reasons)}" for field, reasons in messages.items())
    return _flatten(messages)


def _flatten(reasons: Any) -> str:
    if isinstance(reasons, dict):
        return ", ".join(f"{key}: {_flatten(value)}" for key, value in reasons.items())
    if isinstance(reasons, Iterable) and not isinstance(reasons, str):
        return " ".join(str(reason) for reason in reasons)
    return str(reasons)
