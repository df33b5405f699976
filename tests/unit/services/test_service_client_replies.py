"""`ServiceClient` on in-process moto: publishing requests, matching replies, timeouts and its reply queue."""
import json
from threading import Event, Thread
from time import monotonic

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from microcosm_logging.formatters import ExtraConsoleFormatter

from microcosm_pubsub.errors import ConfigurationError, RemoteError, ServiceTimeout
from microcosm_pubsub.service import ServiceClient
from microcosm_pubsub.service_protocol import reply_signature
from microcosm_pubsub.testing.moto_server import serialised_moto_sqs


def serve_client_graph(core_broker, **client_config):
    """A graph whose `service_client` publishes to the core broker's topic (its queue is the "service")."""
    with serialised_moto_sqs():
        graph = create_object_graph("client", loader=load_from_dict(
            sns_topic_arns=dict(default=core_broker.topic_arn),
            service_client=dict(reply_queue_prefix="unit-reply", **client_config),
        ))
        graph.use("service_client")
        graph.lock()
        yield graph
        graph.service_client.close()


@pytest.fixture
def client_graph(core_broker):
    """A client graph with the default `service_client` settings."""
    yield from serve_client_graph(core_broker)


class Responder:
    """A stand-in service: reads requests from the broker's queue and answers through `answer(request)`."""

    def __init__(self, broker, answer, expected=1):
        self.broker = broker
        self.answer = answer
        self.expected = expected
        self.requests = []
        self.done = Event()
        self.thread = Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.done.set()
        self.thread.join(10)

    def run(self):
        pending = []
        while not self.done.is_set():
            pending.extend(self.broker.published())
            if len(pending) >= self.expected:
                self.requests.extend(pending)
                for body in self.answer(pending):
                    self.broker.sqs.send_message(QueueUrl=pending[0]["replyTo"], MessageBody=body)
                pending = []
            self.done.wait(0.02)


def replies_for(requests, **fields):
    return [json.dumps(dict(requestId=request["requestId"], **fields)) for request in requests]


def test_call_publishes_a_request_and_returns_the_result(client_graph, core_broker):
    """The request carries id, reply queue, service, method and kwargs; the matching reply's result is returned."""
    def answer(requests):
        return replies_for(requests, result=requests[0]["kwargs"]["words"])

    with Responder(core_broker, answer) as responder:
        assert client_graph.service_client.call("echo", "echo", timeout=10, words=["a", "b"]) == ["a", "b"]

    request = responder.requests[0]
    assert request["mediaType"] == "application/vnd.globality.pubsub._.request.echo.echo"
    assert (request["service"], request["method"], request["kwargs"]) == ("echo", "echo", {"words": ["a", "b"]})
    assert request["replyTo"] == client_graph.service_client.reply_queue_url
    assert "unit-reply-" in request["replyTo"]


def test_unknown_late_and_garbage_replies_are_dropped(client_graph, core_broker):
    """Only the reply whose request id matches is returned; other bodies in the reply queue are discarded."""
    def answer(requests):
        return ["not json", json.dumps(dict(requestId="someone-else", result=1)), *replies_for(requests, result=2)]

    with Responder(core_broker, answer):
        assert client_graph.service_client.call("echo", "ping", timeout=10) == 2


def test_concurrent_calls_each_get_their_own_reply(client_graph, core_broker):
    """Two threads sharing the client get their own results even when the replies arrive in reverse order."""
    def answer(requests):
        return [json.dumps(dict(requestId=request["requestId"], result=request["kwargs"]["n"]))
                for request in reversed(requests)]

    results = {}

    def call(n):
        results[n] = client_graph.service_client.call("echo", "number", timeout=10, n=n)

    client_graph.service_client.ensure_reply_queue()
    with Responder(core_broker, answer, expected=2):
        threads = [Thread(target=call, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
    assert results == {1: 1, 2: 2}


def test_remote_errors_are_raised_with_type_and_message(client_graph, core_broker):
    """An error reply raises `RemoteError` carrying the remote type name and message."""
    error = dict(type="NotImplementedError", message="I was never created")
    with Responder(core_broker, lambda requests: replies_for(requests, error=error)):
        with pytest.raises(RemoteError) as raised:
            client_graph.service_client.call("echo", "fail", timeout=10)
    assert (raised.value.remote_type, raised.value.remote_message) == ("NotImplementedError", "I was never created")
    assert str(raised.value) == "NotImplementedError: I was never created"


def test_no_reply_raises_service_timeout(client_graph):
    """Without a reply, `call` raises `ServiceTimeout`, a `TimeoutError`, once the timeout passes."""
    started = monotonic()
    with pytest.raises(ServiceTimeout, match="no reply from service echo to ping within 1s"):
        client_graph.service_client.call("echo", "ping", timeout=1)
    assert 1 <= monotonic() - started < 1 + 5  # raised once the timeout passed, not hung
    assert issubclass(ServiceTimeout, TimeoutError)


def test_close_removes_the_reply_queue(client_graph, core_broker):
    """The reply queue is created on first use and deleted by `close()`; a later call makes a new one."""
    client = client_graph.service_client
    assert client.reply_queue_url is None
    first = client.ensure_reply_queue()
    assert core_broker.sqs.list_queues(QueueNamePrefix="unit-reply")["QueueUrls"] == [first]

    client.close()
    client.close()
    assert client.reply_queue_url is None
    assert core_broker.sqs.list_queues(QueueNamePrefix="unit-reply").get("QueueUrls", []) == []
    assert client.ensure_reply_queue() != first


def test_a_wildcard_mapping_routes_every_method_of_a_service(core_broker):
    """`sns_topic_arns.mappings` for `...request.<service>.*` routes all that service's methods to its topic."""
    echo_topic = core_broker.create_topic("echo-requests")
    echo_queue = core_broker.create_queue("echo-requests")
    core_broker.subscribe(echo_topic, echo_queue)
    with serialised_moto_sqs():
        graph = create_object_graph("client", loader=load_from_dict(sns_topic_arns=dict(
            mappings={"application/vnd.globality.pubsub._.request.echo.*": echo_topic},
        )))
        graph.use("service_client")
        graph.lock()
        with graph.service_client as client:
            with pytest.raises(ServiceTimeout):
                client.call("echo", "ping", timeout=0.2)
    assert [request["method"] for request in core_broker.published(echo_queue)] == ["ping"]


def test_skipped_publishing_is_a_configuration_error(core_broker):
    """With `sns_producer.skip` on, nothing could ever answer, so `call` says so at once."""
    graph = create_object_graph("client", loader=load_from_dict(
        sns_topic_arns=dict(default=core_broker.topic_arn), sns_producer=dict(skip=True),
    ))
    graph.use("service_client")
    with pytest.raises(ConfigurationError, match="sns_producer.skip"):
        graph.service_client.call("echo", "ping", timeout=5)
    graph.service_client.close()


def test_testing_graphs_get_a_mock_reply_client():
    """In a testing graph the component resolves by name and never touches AWS."""
    graph = create_object_graph("client", testing=True)
    graph.use("service_client")
    assert isinstance(graph.service_client, ServiceClient)
    assert type(graph.service_client.sqs_client).__name__ == "MagicMock"


@pytest.fixture
def signing_client_graph(core_broker):
    """A client graph with `service_client.signing_key` set."""
    yield from serve_client_graph(core_broker, signing_key="shared-key")


def test_a_signing_key_signs_the_reply_queue_and_request_id(signing_client_graph, client_graph, core_broker):
    """With `signing_key`, requests carry the HMAC of replyTo and requestId; without one they carry none."""
    with Responder(core_broker, lambda requests: replies_for(requests, result=1)) as signed:
        signing_client_graph.service_client.call("echo", "ping", timeout=10)
    with Responder(core_broker, lambda requests: replies_for(requests, result=1)) as unsigned:
        client_graph.service_client.call("echo", "ping", timeout=10)

    request = signed.requests[0]
    assert request["replySignature"] == reply_signature("shared-key", request["replyTo"], request["requestId"])
    assert "replySignature" not in unsigned.requests[0]


def test_a_remote_traceback_is_kept_on_the_error(client_graph, core_broker):
    """An error reply with a traceback (the service's `error_details`) puts it on `RemoteError.remote_traceback`."""
    error = dict(type="ValueError", message="broken", traceback="Traceback ...\nValueError: broken\n")
    with Responder(core_broker, lambda requests: replies_for(requests, error=error)):
        with pytest.raises(RemoteError) as raised:
            client_graph.service_client.call("echo", "fail", timeout=10)
    assert raised.value.remote_traceback == error["traceback"]


def test_hostile_reply_bodies_are_logged_as_data(client_graph, core_broker, caplog):
    """A reply queue body with format fields and control bytes is logged escaped and inert."""
    hostile = "{exc_info[2].tb_frame} {process:>30000000}\nFORGED\x1b[31m"
    formatter = ExtraConsoleFormatter("{asctime} - {name} - [{levelname}] - {message}")
    with Responder(core_broker, lambda requests: [hostile, *replies_for(requests, result=2)]):
        assert client_graph.service_client.call("echo", "ping", timeout=10) == 2

    [line] = [formatter.format(record) for record in caplog.records if "not JSON" in record.getMessage()]
    assert "{exc_info[2].tb_frame} {process:>30000000}\\x0aFORGED\\x1b[31m" in line
    assert "\x1b" not in line and "\n" not in line and len(line) < 1000


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1, 0, 1_000_000, "10", True])
def test_a_timeout_that_cannot_be_meant_is_refused(client_graph, core_broker, timeout):
    """nan, inf, negative, zero, past 12 h or not a number: refused before anything is published."""
    with pytest.raises(ConfigurationError, match="at most 43200"):
        client_graph.service_client.call("echo", "ping", timeout=timeout)
    assert core_broker.receive() == []
