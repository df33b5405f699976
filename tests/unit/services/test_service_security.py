"""
A `PubSubService` on in-process moto, attacked by someone who can send to its queue.

The attacker writes `replyTo`, the media type, the method and the arguments. The service must
answer only its own clients' reply queues, run the method its media type names, settle bad
method names at once, keep error details opt-in, and log all of it without letting any of the
content be interpreted by microcosm-logging's formatter.

"""
import json
import logging
import re
from argparse import Namespace
from io import BytesIO, TextIOWrapper
from unittest.mock import patch

import pytest
from microcosm.loaders import load_from_dict
from microcosm_logging.formatters import ExtraConsoleFormatter

from microcosm_pubsub.conventions import media_type
from microcosm_pubsub.result import MessageHandlingResultType
from microcosm_pubsub.service import PubSubService
from microcosm_pubsub.service_protocol import REPLY, reply_signature


ACCOUNT = "123456789012"
CLIENT_QUEUE = "pubsub-reply-0123456789abcdef0123456789abcdef"
OTHER_CLIENT_QUEUE = "pubsub-reply-fedcba9876543210fedcba9876543210"
KEY = "shared-test-key"
HOSTILE = [
    "{exc_info[2].tb_frame.f_locals}",
    "{process:>30000000}",
    "%(process)d %s",
    "{",
    "lone \ud800 surrogate",
    "one\nFORGED - svc - [ERROR] - owned\r\x1b[31mred\x07",
]


class Svc(PubSubService):
    """The service under attack: `ping`, `echo` (which records that it ran) and `fail`."""

    name = "svc"
    echoed: list = []

    def on_ping(self, message):
        return "pong"

    def on_echo(self, message, words=None):
        Svc.echoed.append(words)
        return words

    def on_fail(self, message, text="broken"):
        raise ValueError(text)


@pytest.fixture
def reply_queue(core_broker):
    """A queue named as a `service_client` names its reply queue, in the service's account and region."""
    return core_broker.create_queue(CLIENT_QUEUE)


@pytest.fixture
def console():
    """A handler writing through microcosm-logging's console formatter into a strict UTF-8 stream."""
    raw = BytesIO()
    handler = logging.StreamHandler(TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True))
    handler.setFormatter(ExtraConsoleFormatter("{asctime} - {name} - [{levelname}] - {message}"))
    handler.addFilter(lambda record: record.module in ("service", "service_client"))
    handler.text = lambda: raw.getvalue().decode("utf-8")
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def service(core_broker, console):
    """Builds an `Svc` consuming `core_broker`'s queue on moto; `pubsub_service` config from kwargs."""
    Svc.echoed = []

    def build(**config):
        daemon = Svc()
        daemon.args = Namespace(debug=False, testing=False, sqs_queue_url=core_broker.queue_url)
        daemon.graph = daemon.create_object_graph(daemon.args, loader=load_from_dict(
            pubsub_service=config, sqs_consumer=dict(wait_seconds=0),
        ))
        logging.getLogger().addHandler(console)  # after the graph configured logging, which resets handlers
        return daemon
    return build


def send_request(broker, reply_to, method="ping", body_method=None, service="svc", **fields):
    """Put a request straight into the service's queue, as an attacker who may send to it would."""
    body = dict(
        mediaType=media_type("request")(f"{service}.{method}"), requestId=fields.pop("request_id", "req-1"),
        replyTo=reply_to, service=service, method=method if body_method is None else body_method, kwargs={},
    )
    broker.send(json.dumps({**body, **fields}))


def handle_one(daemon):
    """Receive and handle one batch; the results."""
    return daemon.graph.sqs_message_dispatcher.handle_batch(daemon.bound_handlers)


def replies(broker, queue_url):
    return [json.loads(raw["Body"]) for raw in broker.receive(queue_url)]


def test_a_client_reply_queue_beside_the_service_is_answered(core_broker, service, reply_queue):
    """A queue named like a client's reply queue, in the service's account and region, gets the reply."""
    daemon = service()
    send_request(core_broker, reply_queue)
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.SUCCEEDED
    assert [reply["result"] for reply in replies(core_broker, reply_queue)] == ["pong"]


def test_another_applications_queue_gets_no_reply(core_broker, service, console):
    """`replyTo` naming another app's queue in the same account: nothing is sent, the request is deleted."""
    victim = core_broker.create_queue("billing-commands")
    daemon = service()
    send_request(core_broker, victim, method="echo", kwargs=dict(words="spam"))
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.DROPPED
    assert replies(core_broker, victim) == []
    assert Svc.echoed == []  # a refused request runs nothing
    assert core_broker.receive() == []
    [line] = console.text().splitlines()
    assert "refused request req-1" in line and victim in line and "pubsub-reply-<32 hex digits>" in line


@pytest.mark.parametrize("reply_to", [
    f"https://sqs.us-east-1.amazonaws.com/999999999999/{CLIENT_QUEUE}",
    f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/{CLIENT_QUEUE}",
    f"https://sqs.us-east-1.amazonaws.com.attacker.example/{ACCOUNT}/{CLIENT_QUEUE}",
    f"http://127.0.0.1:9/{ACCOUNT}/{CLIENT_QUEUE}",
    f"https://attacker@sqs.us-east-1.amazonaws.com/{ACCOUNT}/{CLIENT_QUEUE}",
    f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{CLIENT_QUEUE}/../billing",
    "not a url",
])
def test_reply_queues_elsewhere_are_never_sent_to(core_broker, service, console, reply_to):
    """Another account, region or host (or no SQS URL at all): no SendMessage is made, one line says why."""
    daemon = service()
    client = daemon.graph.sqs_consumer.sqs_client
    send_request(core_broker, reply_to)
    with patch.object(client, "send_message", wraps=client.send_message) as send_message:
        [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.DROPPED
    assert send_message.call_args_list == []
    assert len(console.text().splitlines()) == 1


def test_allowed_reply_queues_are_answered_whatever_their_name(core_broker, service):
    """A queue listed in `pubsub_service.allowed_reply_queues` is answered though it is not a client's."""
    listed = core_broker.create_queue("partner-replies")
    daemon = service(allowed_reply_queues=f"https://example.invalid/1/x,{listed}")
    send_request(core_broker, listed)
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.SUCCEEDED
    assert [reply["result"] for reply in replies(core_broker, listed)] == ["pong"]


def test_with_a_signing_key_another_callers_queue_gets_no_reply(core_broker, service, reply_queue):
    """With `signing_key`, naming another caller's reply queue without its signature sends nothing there."""
    daemon = service(signing_key=KEY)
    send_request(core_broker, reply_queue, request_id="forged-1")
    send_request(core_broker, reply_queue, request_id="forged-2", replySignature="0" * 64)
    send_request(core_broker, reply_queue, request_id="forged-3",
                 replySignature=reply_signature(KEY, core_broker.create_queue(OTHER_CLIENT_QUEUE), "forged-3"))
    send_request(core_broker, reply_queue, request_id="signed",
                 replySignature=reply_signature(KEY, reply_queue, "signed"))
    results = handle_one(daemon)

    assert sorted(result.result.name for result in results) == ["DROPPED", "DROPPED", "DROPPED", "SUCCEEDED"]
    assert [reply["requestId"] for reply in replies(core_broker, reply_queue)] == ["signed"]


def test_the_method_is_the_media_types(core_broker, service, reply_queue):
    """`...request.svc.ping` whose body says `method: echo` runs nothing and is answered with an error."""
    daemon = service()
    send_request(core_broker, reply_queue, method="ping", body_method="echo", kwargs=dict(words="hi"))
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.SUCCEEDED
    assert Svc.echoed == []
    [reply] = replies(core_broker, reply_queue)
    assert reply["method"] == "ping" and reply["error"]["type"] == "BadRequestError"
    assert "names method 'echo' but its media type names 'ping'" in reply["error"]["message"]


@pytest.mark.parametrize("method", ["a b", "", "1x"])
def test_a_method_that_is_not_an_identifier_is_answered_at_once(core_broker, service, reply_queue, method):
    """A bad method name gets an error reply on its first delivery and leaves the queue (no DLQ loop)."""
    daemon = service()
    send_request(core_broker, reply_queue, method=method)
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.SUCCEEDED
    assert core_broker.receive() == []
    [reply] = replies(core_broker, reply_queue)
    assert reply["mediaType"] == media_type(REPLY)("svc") and reply["method"] == method
    assert reply["error"]["type"] == "BadRequestError" and "not a Python identifier" in reply["error"]["message"]


def test_a_bad_method_name_with_a_refused_reply_queue_is_settled_unanswered(core_broker, service, console):
    """When the reply queue is refused too, the request is deleted without any SendMessage, and logged."""
    daemon = service()
    send_request(core_broker, "https://sqs.us-east-1.amazonaws.com/999999999999/x", method="1x")
    [result] = handle_one(daemon)

    assert result.result == MessageHandlingResultType.DROPPED
    assert core_broker.receive() == []
    assert "refused request req-1" in console.text()


def test_error_replies_keep_details_to_themselves_by_default(core_broker, service, reply_queue):
    """Type and message only: an unknown method does not list the others; no traceback is sent."""
    daemon = service()
    send_request(core_broker, reply_queue, method="launch", request_id="unknown")
    send_request(core_broker, reply_queue, method="fail", request_id="fail")
    handle_one(daemon)

    errors = {reply["requestId"]: reply["error"] for reply in replies(core_broker, reply_queue)}
    assert errors["unknown"] == {"type": "UnknownMethodError", "message": "service svc has no method 'launch'"}
    assert errors["fail"] == {"type": "ValueError", "message": "broken"}


def test_error_details_are_opt_in(core_broker, service, reply_queue):
    """With `error_details`, the unknown-method reply lists the methods and a failure carries its traceback."""
    daemon = service(error_details=True)
    send_request(core_broker, reply_queue, method="launch", request_id="unknown")
    send_request(core_broker, reply_queue, method="fail", request_id="fail")
    handle_one(daemon)

    errors = {reply["requestId"]: reply["error"] for reply in replies(core_broker, reply_queue)}
    assert errors["unknown"]["message"].endswith("it exposes echo, fail, ping")
    assert "in on_fail" in errors["fail"]["traceback"] and errors["fail"]["traceback"].endswith("ValueError: broken\n")


def assert_inert(text, hostile):
    """`hostile` appears in the log only as data: shown as sent (or escaped), never expanded, no line forged."""
    assert len(text) < 20_000, "a width specifier was expanded"
    assert " at 0x" not in text, "a frame or its locals were expanded"
    record_lines = [line for line in text.splitlines() if re.match(r"\d{4}-\d\d-\d\d \d", line)]
    if hostile.isprintable():
        assert any(hostile in line for line in record_lines), "the value was interpreted, not shown"
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert not any(line.startswith("FORGED") for line in text.splitlines())
    text.encode("utf-8")  # no lone surrogate reached the stream


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_reply_queues_are_logged_as_data(core_broker, service, console, hostile):
    """A refused `replyTo` carrying format fields or control bytes is logged escaped, as sent."""
    daemon = service()
    send_request(core_broker, f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{hostile}")
    handle_one(daemon)

    text = console.text()
    assert "refused request" in text
    assert_inert(text, hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_method_names_are_logged_as_data(core_broker, service, console, reply_queue, hostile):
    """A body method or media-type method carrying format fields or control bytes is logged escaped."""
    daemon = service()
    send_request(core_broker, reply_queue, method="ping", body_method=hostile, request_id="body")
    send_request(core_broker, reply_queue, method=hostile.replace(".", ""), request_id="media-type")
    handle_one(daemon)

    text = console.text()
    assert text.count("raised BadRequestError") == 2
    assert_inert(text, hostile)
    assert len(replies(core_broker, reply_queue)) == 2


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_exception_texts_are_logged_as_data(core_broker, service, console, reply_queue, hostile):
    """A method raising with the caller's text logs the traceback with that text escaped onto one line."""
    daemon = service()
    send_request(core_broker, reply_queue, method="fail", kwargs=dict(text=hostile))
    handle_one(daemon)

    text = console.text()
    assert "svc.fail raised ValueError" in text and "in on_fail" in text
    assert_inert(text, hostile)
    [reply] = replies(core_broker, reply_queue)
    assert reply["error"]["message"] == hostile  # the caller gets its own text back, unaltered
