"""
MessageHandlingResult: classifying outcomes, their SQS actions, logging and error reporting.

"""
import logging
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest

from microcosm_pubsub.errors import BadMessageError, Drop, HaltConsumer, IgnoreMessage, Nack, SkipMessage, TTLExpired
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResult, MessageHandlingResultType as Result


MEDIA_TYPE = "application/vnd.core.result"


@pytest.fixture
def message():
    """A message whose consumer is a MagicMock, so acks and nacks can be asserted."""
    return SQSMessage(MagicMock(), dict(media_type=MEDIA_TYPE, uri="u"), MEDIA_TYPE, "id", "receipt")


def classify(message, error):
    """The result of `error` raised while handling `message`."""
    try:
        raise error
    except Exception as caught:
        return MessageHandlingResult.from_error(message, caught)


def test_defaults():
    """A result defaults to no exc_info, empty extra and no timings or retry timeout."""
    result = MessageHandlingResult(MEDIA_TYPE, Result.SUCCEEDED)

    assert (result.exc_info, result.extra, result.elapsed_time) == (None, {}, None)
    assert (result.handle_start_time, result.retry_timeout_seconds) == (None, None)


def test_invoke_passes_the_content(message):
    """`invoke` calls the handler with the message content; truthy is SUCCEEDED, falsy SKIPPED."""
    seen = []

    assert MessageHandlingResult.invoke(handler=lambda c: seen.append(c) or True, message=message).result is (
        Result.SUCCEEDED
    )
    assert MessageHandlingResult.invoke(handler=lambda c: 0, message=message).result is Result.SKIPPED
    assert seen == [message.content]


@pytest.mark.parametrize("error, expected", [
    (SkipMessage("skip", extra=dict(k="v")), Result.SKIPPED),
    (IgnoreMessage("ignore"), Result.IGNORED),
    (TTLExpired("expired"), Result.EXPIRED),
    (Drop("drop"), Result.DROPPED),
    (Nack(10, reason="later", extra=dict(k="v")), Result.RETRIED),
    (KeyError("other"), Result.FAILED),
])
def test_errors_are_classified(message, error, expected):
    """Each outcome exception maps to its result type; anything else is FAILED."""
    assert classify(message, error).result is expected


def test_skip_and_nack_carry_reason_and_extra(message):
    """SKIPPED and RETRIED put the reason and the error's extra in `extra`."""
    assert classify(message, SkipMessage("skip", extra=dict(k="v"))).extra == dict(reason="skip", k="v")
    retried = classify(message, Nack(10, reason="later", extra=dict(k="v")))
    assert retried.extra == dict(reason="later", k="v")
    assert retried.retry_timeout_seconds == 10


def test_failed_keeps_exc_info(message):
    """A FAILED result keeps the exception's type, value and traceback."""
    error = ValueError("bad")

    result = classify(message, error)

    assert result.exc_info[0] is ValueError and result.exc_info[1] is error
    assert result.exc_info[2] is not None


def test_error_strings_are_reasons():
    """`str(error)` of an outcome exception is its reason."""
    assert str(SkipMessage("why")) == "why"
    assert str(Nack(1, reason="later")) == "later"
    assert Nack(0).visibility_timeout_seconds == 0


@pytest.mark.parametrize("kind", [Result.SUCCEEDED, Result.SKIPPED, Result.IGNORED, Result.EXPIRED, Result.DROPPED])
def test_deleting_results_ack(message, kind):
    """SUCCEEDED, SKIPPED, IGNORED, EXPIRED and DROPPED delete the message."""
    MessageHandlingResult(MEDIA_TYPE, kind).resolve(message)

    message.consumer.ack.assert_called_once_with(message)
    message.consumer.nack.assert_not_called()


@pytest.mark.parametrize("kind, timeout", [(Result.RETRIED, 0), (Result.RETRIED, 30), (Result.FAILED, None)])
def test_retrying_results_nack(message, kind, timeout):
    """RETRIED and FAILED change the visibility, with the result's retry timeout."""
    result = MessageHandlingResult(MEDIA_TYPE, kind, retry_timeout_seconds=timeout)

    assert result.resolve(message) is result
    message.consumer.nack.assert_called_once_with(message, timeout)
    message.consumer.ack.assert_not_called()


def test_halt_consumer_is_carried(message):
    """`HaltConsumer` sets `halt`; the message is deleted unless `requeue`."""
    halt = HaltConsumer(exit_code=2, reason="stop")
    result = classify(message, halt)
    assert result.halt is halt and not result.result.retry

    requeued = classify(message, HaltConsumer(requeue=True))
    assert requeued.result.retry and requeued.retry_timeout_seconds == 0


def test_log_merges_media_type_opaque_and_extra(caplog):
    """The log line carries media type, opaque entries and extra; reserved names never raise."""
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("core.result")
    result = MessageHandlingResult(MEDIA_TYPE, Result.SKIPPED, extra=dict(reason="why", message="x"))

    result.log(logger, {"x-request-id": "r", "args": "a", "name": "n"})

    [record] = caplog.records
    assert "SKIPPED" in record.getMessage() and "why" in record.getMessage()
    assert record.media_type == MEDIA_TYPE
    assert getattr(record, "x-request-id") == "r"
    assert record.levelno == logging.INFO
    assert record.name == "core.result"


def test_log_failed_with_traceback_but_bad_messages_without(message, caplog):
    """FAILED logs the exception with its traceback, except for undecodable messages."""
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("core.result")

    classify(message, ValueError("bad")).log(logger, {})
    classify(message, BadMessageError("cannot decode")).log(logger, {})

    failed, bad = caplog.records
    assert failed.exc_info is not None and failed.levelno == logging.WARNING
    assert bad.exc_info is None and "cannot decode" in bad.getMessage()


def test_error_reporting_only_when_enabled_and_failed(message, monkeypatch):
    """Only FAILED or EXPIRED results with exc_info are reported, and only when Sentry is enabled."""
    reported = []
    monkeypatch.setattr("microcosm_pubsub.sentry.report_error", lambda *args: reported.append(args))
    enabled = SimpleNamespace(enabled=True)
    failed = classify(message, ValueError("bad"))

    failed.error_reporting(SimpleNamespace(enabled=False), {})
    MessageHandlingResult(MEDIA_TYPE, Result.SKIPPED, exc_info=failed.exc_info).error_reporting(enabled, {})
    assert reported == []

    failed.error_reporting(enabled, {"k": "v"})
    assert reported == [(enabled, {"k": "v"}, failed.exc_info)]


def test_result_types_print_their_names():
    """Result types print as their names and know whether they retry."""
    assert str(Result.FAILED) == "FAILED"
    assert [kind.name for kind in Result if kind.retry] == ["FAILED", "RETRIED"]
