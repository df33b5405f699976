"""`PubSubService`: the wildcard binding, `on_<method>` dispatch and the replies it sends."""
import json
from unittest.mock import MagicMock

import pytest

from microcosm_pubsub.errors import ConfigurationError, Nack
from microcosm_pubsub.result import MessageHandlingResultType
from microcosm_pubsub.service import PubSubService, request_media_type, request_wildcard


SERVICE_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/calculator"
REPLY_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/pubsub-reply-0123456789abcdef0123456789abcdef"


class Calculator(PubSubService):
    """A service under test."""

    name = "calculator"

    def on_add(self, message, a, b):
        return a + b

    def on_boom(self, message):
        raise ValueError("bad input")

    def on_later(self, message):
        raise Nack(5, reason="not yet")

    def on_opaque(self, message):
        return message.opaque_data.get("x-request-id")

    def on_thing(self, message):
        return object()


@pytest.fixture
def calculator():
    """A Calculator built for testing (MagicMock SQS client), with a fresh mock."""
    daemon = Calculator.create_for_testing(sqs_queue_url=SERVICE_QUEUE)
    daemon.graph.sqs_consumer.sqs_client.reset_mock()
    daemon.graph.sqs_consumer.sqs_client.send_message.side_effect = None
    return daemon


def request(method, service="calculator", media_service=None, **kwargs):
    """A raw SQS entry carrying a request, as SNS with raw delivery would put it in the queue."""
    body = dict(
        mediaType=request_media_type(media_service or service, method), requestId=f"req-{method}",
        replyTo=REPLY_QUEUE, service=service, method=method, kwargs=kwargs, opaqueData={"x-request-id": "trace-1"},
    )
    return dict(MessageId=f"m-{method}", ReceiptHandle="rh", Body=json.dumps(body))


def handle(daemon, raw):
    """Parse and dispatch one raw message; return its result and the replies sent."""
    message = daemon.graph.sqs_envelope.parse_raw_message(None, raw)
    result = daemon.graph.sqs_message_dispatcher.process_message(message, daemon.bound_handlers)
    send = daemon.graph.sqs_consumer.sqs_client.send_message
    return result, [(call.kwargs["QueueUrl"], json.loads(call.kwargs["MessageBody"])) for call in send.call_args_list]


def test_service_binds_its_request_wildcard(calculator):
    """The service binds `...request.calculator.*` and lists its `on_` methods."""
    assert request_wildcard("calculator") in calculator.bound_handlers
    assert calculator.service_name == "calculator"
    assert calculator.methods == ["add", "boom", "later", "opaque", "thing"]


def test_return_value_is_sent_to_the_reply_queue(calculator):
    """Keyword arguments reach the method; its return value goes to `replyTo` with the request id."""
    result, replies = handle(calculator, request("add", a=2, b=3))

    assert result.result == MessageHandlingResultType.SUCCEEDED
    assert replies == [(REPLY_QUEUE, {
        "mediaType": "application/vnd.globality.pubsub._.reply.calculator.add", "requestId": "req-add",
        "service": "calculator", "method": "add", "result": 5,
    })]


def test_the_message_comes_first(calculator):
    """The method's first argument is the SQS message, with the request's opaque data."""
    _, replies = handle(calculator, request("opaque"))
    assert replies[0][1]["result"] == "trace-1"


@pytest.mark.parametrize("method, kwargs, error_type, text", [
    ("boom", {}, "ValueError", "bad input"),
    ("divide", {}, "UnknownMethodError", "has no method 'divide'"),
    ("add", {"a": 1}, "TypeError", "'b'"),
    ("thing", {}, "TypeError", "not JSON"),
])
def test_errors_are_sent_back(calculator, method, kwargs, error_type, text):
    """An exception, unknown method, bad arguments or non-JSON result is replied as an error; the request is done."""
    result, replies = handle(calculator, request(method, **kwargs))

    assert result.result == MessageHandlingResultType.SUCCEEDED
    error = replies[0][1]["error"]
    assert error["type"] == error_type and text in error["message"]
    assert "result" not in replies[0][1]


def test_outcome_exceptions_keep_their_queue_meaning(calculator):
    """A method raising `Nack` retries the request later and sends no reply."""
    result, replies = handle(calculator, request("later"))

    assert result.result == MessageHandlingResultType.RETRIED
    assert result.retry_timeout_seconds == 5
    assert replies == []


def test_requests_to_other_services_are_ignored(calculator):
    """A request for another service (its own media type, or a mislabelled body) is ignored, unanswered."""
    other_type, _ = handle(calculator, request("add", service="other", a=1, b=2))
    mislabelled, replies = handle(calculator, request("add", service="other", media_service="calculator", a=1, b=2))

    assert other_type.result == MessageHandlingResultType.IGNORED
    assert mislabelled.result == MessageHandlingResultType.IGNORED
    assert replies == []


def test_a_failed_reply_does_not_retry_the_request(calculator):
    """When the caller's queue is gone, the reply failure is logged and the request still counts as done."""
    calculator.graph.sqs_consumer.sqs_client.send_message.side_effect = RuntimeError("queue does not exist")
    result, _ = handle(calculator, request("add", a=1, b=1))
    assert result.result == MessageHandlingResultType.SUCCEEDED


def test_a_dotted_service_name_is_refused():
    """A service whose name has dots cannot be bound (its wildcard would not match)."""
    class Dotted(PubSubService):
        name = "a.b"

    with pytest.raises(ConfigurationError, match="without dots"):
        Dotted.create_for_testing()


def test_handler_is_called_with_the_whole_message(calculator):
    """The bound handler refuses the content-only call: the dispatcher gives it the message."""
    handler = calculator.bound_handlers[request_wildcard("calculator")]
    assert handler.handles_sqs_message is True
    with pytest.raises(TypeError):
        handler(MagicMock())
