"""
SQSMessageDispatcher against moto: each outcome, its SQS action, timing and logging.

"""
import logging
from json import dumps
from time import time
from unittest.mock import MagicMock

import pytest

from microcosm_pubsub.conventions import created
from microcosm_pubsub.errors import Drop, HaltConsumer, IgnoreMessage, Nack, SkipMessage
from microcosm_pubsub.handlers.uri_handler import URIHandler
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.result import MessageHandlingResultType as Result


JOB = created("core_dispatcher_job")
URI = "http://example.com/jobs/1"


def succeed(content):
    """A handler that succeeds."""
    return True


@pytest.fixture
def graph(core_make_graph):
    """A graph on moto whose consumer client records its calls."""
    graph = core_make_graph()
    graph.sqs_consumer.sqs_client = MagicMock(wraps=graph.sqs_consumer.sqs_client)
    return graph


@pytest.fixture
def sqs(graph):
    """The consumer's recording SQS client."""
    return graph.sqs_consumer.sqs_client


@pytest.fixture
def dispatch(graph, core_broker):
    """Sends one body to the queue, receives it and handles it with `handler`; returns the result."""
    def run(handler, body=None, **fields):
        if body is None:
            body = dumps(dict(mediaType=JOB, uri=URI, **fields))
        core_broker.send(body)
        [message] = graph.sqs_consumer.consume()
        return graph.sqs_message_dispatcher.handle_message(message, {JOB: handler})
    return run


def raising(error):
    """A handler that raises `error`."""
    def handler(content):
        raise error
    return handler


def visibility_timeouts(sqs):
    """The visibility timeouts set so far."""
    return [call.kwargs["VisibilityTimeout"] for call in sqs.change_message_visibility.call_args_list]


def test_dispatcher_exposes_consumer_and_attempts(graph):
    """The dispatcher exposes its consumer and the configured attempts limit (None by default)."""
    dispatcher = graph.sqs_message_dispatcher

    assert dispatcher.sqs_consumer is graph.sqs_consumer
    assert dispatcher.max_processing_attempts is None


def test_handler_gets_the_content_inside_the_message_context(graph, dispatch):
    """The handler receives the decoded content while the opaque holds the message's context."""
    seen = []

    def handler(content):
        seen.append((content, dict(graph.opaque.as_dict())))
        return True

    result = dispatch(handler, opaqueData={"x-request-id": "r"})

    content, opaque = seen[0]
    assert content == dict(media_type=JOB, uri=URI, opaque_data={"x-request-id": "r"})
    assert opaque["x-request-id"] == "r"
    assert opaque["x-request-ttl"] == "31"
    assert opaque["uri"] == URI
    assert result.result is Result.SUCCEEDED


@pytest.mark.parametrize("handler, expected", [
    (succeed, Result.SUCCEEDED),
    (lambda content: None, Result.SKIPPED),
    (raising(SkipMessage("not for now")), Result.SKIPPED),
    (raising(IgnoreMessage("not mine")), Result.IGNORED),
    (raising(Drop("refused")), Result.DROPPED),
])
def test_deleting_outcomes(dispatch, sqs, handler, expected):
    """Success, falsy returns, skips, ignores and drops delete the message with one call."""
    result = dispatch(handler)

    assert result.result is expected
    sqs.delete_message.assert_called_once()
    sqs.change_message_visibility.assert_not_called()


def test_no_handler_is_ignored(graph, core_broker, sqs):
    """A message with no bound handler is IGNORED and deleted."""
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI)))
    [message] = graph.sqs_consumer.consume()

    result = graph.sqs_message_dispatcher.handle_message(message, {})

    assert result.result is Result.IGNORED
    sqs.delete_message.assert_called_once()


def test_no_schema_is_ignored(dispatch, sqs):
    """A message of an unknown media type (no schema) is IGNORED and deleted."""
    result = dispatch(succeed, body=dumps(dict(mediaType="application/vnd.core.dispatcher-unknown")))

    assert result.result is Result.IGNORED
    sqs.delete_message.assert_called_once()


def test_ttl_zero_expires(dispatch, sqs):
    """A message arriving with one hop left expires (TTL 0 after decrement) without its handler."""
    called = []

    result = dispatch(called.append, opaqueData={"x-request-ttl": "1"})

    assert result.result is Result.EXPIRED
    assert called == []
    sqs.delete_message.assert_called_once()


def test_ttl_guard_off_handles_a_message_with_no_hops_left(core_make_graph, core_broker):
    """With `enable_ttl` off the hop count is neither decremented nor enforced: the handler runs."""
    graph = core_make_graph(sqs_message_context=dict(enable_ttl=False))
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI, opaqueData={"x-request-ttl": "0"})))
    [message] = graph.sqs_consumer.consume()
    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: succeed})

    assert result.result is Result.SUCCEEDED


def test_ttl_above_zero_is_handled(dispatch):
    """A message with hops to spare is handled."""
    assert dispatch(succeed, opaqueData={"x-request-ttl": "2"}).result is Result.SUCCEEDED


def test_too_many_attempts_is_skipped(core_make_graph, core_broker):
    """A message received more often than `message_max_processing_attempts` is SKIPPED and deleted."""
    graph = core_make_graph(sqs_message_dispatcher=dict(message_max_processing_attempts=1))
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI)))
    graph.sqs_consumer.consume()[0].nack(0)
    [message] = graph.sqs_consumer.consume()
    called = []

    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: called.append})

    assert message.approximate_receive_count == 2
    assert result.result is Result.SKIPPED
    assert result.extra["max"] == 1
    assert called == []
    assert core_broker.receive() == []


def test_decode_error_fails_and_is_retried(dispatch, sqs):
    """A body that cannot be decoded is FAILED and retried after the default timeout."""
    result = dispatch(succeed, body=dumps(dict(mediaType=JOB)))

    assert result.result is Result.FAILED
    assert result.exc_info is not None
    assert visibility_timeouts(sqs) == [5]
    sqs.delete_message.assert_not_called()


def test_non_json_body_fails_and_is_retried(dispatch, sqs):
    """A body that is not JSON is FAILED and retried."""
    assert dispatch(succeed, body="not JSON").result is Result.FAILED
    assert visibility_timeouts(sqs) == [5]


@pytest.mark.parametrize("timeout", [0, 30])
def test_nack_is_retried_with_its_timeout(dispatch, sqs, timeout):
    """A `Nack` is RETRIED with exactly its timeout, 0 included."""
    result = dispatch(raising(Nack(timeout, reason="later")))

    assert result.result is Result.RETRIED
    assert result.extra["reason"] == "later"
    assert visibility_timeouts(sqs) == [timeout]


def test_other_exceptions_fail_and_are_retried(dispatch, sqs):
    """Any other exception is FAILED with its exc_info and retried by the backoff policy."""
    result = dispatch(raising(ValueError("bad")))

    assert result.result is Result.FAILED
    assert result.exc_info[0] is ValueError
    assert visibility_timeouts(sqs) == [5]


@pytest.mark.parametrize("uri, config_key", [
    ("http://169.254.169.254/latest/meta-data/", "uri_handler.allowed_hosts"),
    ("file:///etc/passwd", "only http and https"),
])
def test_a_refused_uri_fetch_fails_and_is_retried_never_deleted(graph, dispatch, sqs, uri, config_key):
    """A URIHandler fetch refused by its limits keeps the message (retried, then dead-lettered)."""
    result = dispatch(URIHandler(graph), body=dumps(dict(mediaType=JOB, uri=uri)))

    assert result.result is Result.FAILED
    assert config_key in result.reason
    sqs.delete_message.assert_not_called()
    assert visibility_timeouts(sqs) == [5]


def test_halt_consumer_sets_halt(dispatch, sqs):
    """`HaltConsumer` is carried on the result and the message is deleted."""
    halt = HaltConsumer(exit_code=3, reason="stop")

    result = dispatch(raising(halt))

    assert result.halt is halt
    sqs.delete_message.assert_called_once()


def test_halt_consumer_can_requeue(dispatch, sqs):
    """`HaltConsumer(requeue=True)` returns the message to the queue at once."""
    result = dispatch(raising(HaltConsumer(requeue=True)))

    assert result.halt is not None
    assert visibility_timeouts(sqs) == [0]
    sqs.delete_message.assert_not_called()


def test_elapsed_time_is_positive(dispatch):
    """Every result carries a positive elapsed time in milliseconds."""
    assert dispatch(succeed).elapsed_time > 0


def test_handle_start_time_from_published(graph, core_broker):
    """A message published by a producer carries `x-request-published`, giving `handle_start_time`."""
    graph.sns_producer.produce(JOB, uri=URI)
    [message] = graph.sqs_consumer.consume()

    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: succeed})

    assert 0 <= result.handle_start_time < 60


def test_handle_start_time_reads_any_case(dispatch):
    """`X-Request-Published` in any case gives the delay since publishing."""
    result = dispatch(succeed, opaqueData={"X-Request-Published": str(time() - 100)})

    assert 99 < result.handle_start_time < 160


def test_handle_start_time_absent_without_published(dispatch):
    """Without `x-request-published` there is no start time."""
    assert dispatch(succeed).handle_start_time is None


def test_log_extras_that_collide_with_log_records_do_not_raise(dispatch, caplog):
    """Opaque keys such as `message` or `args` are logged without breaking logging."""
    caplog.set_level(logging.DEBUG)

    result = dispatch(succeed, opaqueData={"message": "m", "args": "a", "levelname": "l"})

    assert result.result is Result.SUCCEEDED
    assert any("SUCCEEDED" in record.getMessage() for record in caplog.records)


def test_handle_batch_handles_every_message(graph, core_broker, sqs):
    """`handle_batch` receives a batch and resolves each message, good or bad."""
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI)))
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI + "/2")))
    core_broker.send("not JSON")

    results = graph.sqs_message_dispatcher.handle_batch({JOB: succeed})

    assert sorted(result.result.name for result in results) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert sqs.delete_message.call_count == 2
    assert sqs.change_message_visibility.call_count == 1


def test_content_is_not_validated_again(graph):
    """Content that bypassed decoding reaches the handler as it is (validation is decoding's job)."""
    message = SQSMessage(graph.sqs_consumer, dict(media_type=JOB), JOB, "m-1", None)
    seen = []

    result = graph.sqs_message_dispatcher.process_message(message=message, bound_handlers={JOB: seen.append})

    assert seen == [dict(media_type=JOB)]
    assert result.result is Result.SKIPPED
