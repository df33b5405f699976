"""Round trips between a `PubSubService` process (the example service) and a `ServiceClient`, and timeouts."""
import signal
import sys
from time import monotonic

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.service import RemoteError, ServiceTimeout
from microcosm_pubsub.service_protocol import request_media_type
from svc_support import EXAMPLES, HERE, free_port, http_get, svc_poll


SERVICE_SCRIPT = str(EXAMPLES / "service_example.py")
WHOAMI_SCRIPT = str(HERE / "svc_whoami_service.py")
# the example service's graph is named "echo": its pubsub_service settings, as environment variables
SERVICE_ENV = dict(ECHO__PUBSUB_SERVICE__REPLY_QUEUE_PREFIX="svc-reply")


@pytest.fixture
def svc_client_graph(svc_broker):
    """Builds a graph whose `service_client` publishes to `topic_arn` on moto."""
    graphs = []

    def make(topic_arn, signing_key=None, **topic_config):
        graph = create_object_graph("svc_client", loader=load_from_dict(
            sns_topic_arns=dict(default=topic_arn, **topic_config),
            sns_producer=dict(endpoint_url=svc_broker.endpoint_url),
            service_client=dict(endpoint_url=svc_broker.endpoint_url, reply_queue_prefix="svc-reply",
                                signing_key=signing_key),
        ))
        graph.use("service_client")
        graph.lock()
        graphs.append(graph)
        return graph

    yield make
    for graph in graphs:
        graph.service_client.close()


def test_ping_echo_and_fail_round_trips(svc_broker, svc_spawn, svc_client_graph):
    """ping returns pong, echo returns its words, fail raises RemoteError; the reply queue goes on close."""
    topic_arn, queue_url = svc_broker.topic_with_queue()
    service = svc_spawn([sys.executable, SERVICE_SCRIPT, "--sqs-queue-url", queue_url], **SERVICE_ENV)
    client = svc_client_graph(topic_arn).service_client

    assert client.call("echo", "ping", timeout=20) == "pong"
    assert client.call("echo", "echo", timeout=10, words=["hello", "world"]) == ["hello", "world"]
    with pytest.raises(RemoteError) as raised:
        client.call("echo", "fail", timeout=10)
    assert (raised.value.remote_type, raised.value.remote_message) == ("NotImplementedError", "I was never created")
    with pytest.raises(RemoteError) as raised:
        client.call("echo", "launch", timeout=10)
    assert raised.value.remote_type == "UnknownMethodError" and "exposes" not in str(raised.value)
    with pytest.raises(RemoteError) as raised:
        client.call("echo", "echo", timeout=10)
    assert raised.value.remote_type == "TypeError" and "words" in raised.value.remote_message

    reply_queue = client.reply_queue_url
    assert reply_queue in svc_broker.queue_urls("svc-reply")
    client.close()
    assert reply_queue not in svc_broker.queue_urls("svc-reply")
    service.signal(signal.SIGTERM)
    assert service.wait() == 0, service.log()


def test_requests_for_another_service_are_ignored(svc_broker, svc_spawn, svc_client_graph):
    """The echo service, sharing the topic, ignores a request to `other` (the caller times out) and deletes it."""
    topic_arn, queue_url = svc_broker.topic_with_queue()
    port = free_port()
    service = svc_spawn([sys.executable, SERVICE_SCRIPT, "--sqs-queue-url", queue_url, "--health-port", str(port)],
                        **SERVICE_ENV)
    client = svc_client_graph(topic_arn).service_client
    assert client.call("echo", "ping", timeout=20) == "pong"

    with pytest.raises(ServiceTimeout):
        client.call("other", "ping", timeout=1.5)
    stats = svc_poll(lambda: (lambda answer: answer[1] and answer[1]["ignored"] and answer[1])(
        http_get(f"http://127.0.0.1:{port}/stats")), 10)
    assert (stats["ignored"], stats["succeeded"]) == (1, 1)
    assert svc_broker.depth(queue_url) == 0
    service.signal(signal.SIGTERM)
    assert service.wait() == 0


def test_timeout_when_no_service_runs(svc_broker, svc_client_graph):
    """With no service consuming, `call` raises `ServiceTimeout` (a `TimeoutError`) after about `timeout`."""
    topic_arn, _ = svc_broker.topic_with_queue()
    client = svc_client_graph(topic_arn).service_client

    started = monotonic()
    with pytest.raises(TimeoutError) as raised:
        client.call("echo", "ping", timeout=1.5)
    elapsed = monotonic() - started
    assert isinstance(raised.value, ServiceTimeout)
    assert "echo" in str(raised.value) and "ping" in str(raised.value)
    assert 1.5 <= elapsed < 1.5 + 5  # raised once the timeout passed, not hung


def test_service_with_processes_and_per_service_routing(svc_broker, svc_spawn, svc_client_graph):
    """`--processes 2` runs two service workers; a `request.echo.*` mapping routes every echo method."""
    default_topic, _ = svc_broker.topic_with_queue()
    echo_topic, queue_url = svc_broker.topic_with_queue()
    service = svc_spawn([sys.executable, WHOAMI_SCRIPT, "--sqs-queue-url", queue_url, "--processes", "2"],
                        **SERVICE_ENV)
    client = svc_client_graph(default_topic, mappings={
        "application/vnd.globality.pubsub._.request.echo.*": echo_topic,
    }).service_client

    pids = {client.call("echo", "whoami", timeout=20)}
    deadline = monotonic() + 30
    while len(pids) < 2 and monotonic() < deadline:
        pids.add(client.call("echo", "whoami", timeout=10))
    assert len(pids) == 2, service.log()
    assert service.pid not in pids
    service.signal(signal.SIGTERM)
    assert service.wait() == 0, service.log()


def test_signed_calls_are_answered_and_forged_reply_queues_are_not(svc_broker, svc_spawn, svc_client_graph):
    """With a shared signing key, a signed call gets its reply; a request naming that caller's queue unsigned,
    or another application's queue, gets nothing sent there, and the service stays up."""
    topic_arn, queue_url = svc_broker.topic_with_queue()
    port = free_port()
    service = svc_spawn([sys.executable, SERVICE_SCRIPT, "--sqs-queue-url", queue_url, "--health-port", str(port)],
                        ECHO__PUBSUB_SERVICE__SIGNING_KEY="functional-key", **SERVICE_ENV)
    client = svc_client_graph(topic_arn, signing_key="functional-key").service_client
    assert client.call("echo", "ping", timeout=20) == "pong"

    other_app = svc_broker.queue()
    for request_id, reply_to in (("forged-caller", client.reply_queue_url), ("forged-app", other_app)):
        svc_broker.send(queue_url, dict(
            mediaType=request_media_type("echo", "echo"), requestId=request_id, replyTo=reply_to,
            service="echo", method="echo", kwargs=dict(words=["spam"]),
        ))
    stats = svc_poll(lambda: (lambda answer: answer[1] and answer[1]["dropped"] >= 2 and answer[1])(
        http_get(f"http://127.0.0.1:{port}/stats")), 20)
    assert stats and stats["dropped"] == 2, service.log()
    assert svc_broker.depth(client.reply_queue_url) == 0 and svc_broker.depth(other_app) == 0
    assert "refused request forged-caller" in service.log() and "refused request forged-app" in service.log()
    assert client.call("echo", "echo", timeout=10, words=["still", "up"]) == ["still", "up"]
    service.signal(signal.SIGTERM)
    assert service.wait() == 0, service.log()
