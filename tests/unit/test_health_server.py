"""
The health endpoint listens on this host only by default, costs a bounded number of threads, and
`/stats` shows what failed without saying where the consumer runs or how it signs in.

"""
import json
import socket
import threading
from http.client import HTTPConnection
from time import monotonic, sleep
from types import SimpleNamespace

import pytest

from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.health import MAX_CONNECTIONS, TIMEOUT_SECONDS, HealthServer
from microcosm_pubsub.main import make_parser


def poll(predicate, timeout=10.0):
    deadline = monotonic() + timeout
    while not predicate():
        if monotonic() > deadline:
            return False
        sleep(0.02)
    return True


@pytest.fixture
def engine():
    """The parts of an engine the health server reads."""
    poller = SimpleNamespace(is_turning=lambda within: True, broker_reachable=True)
    return SimpleNamespace(consumer=SimpleNamespace(wait_seconds=1), pollers=[poller], draining=False,
                           stats=EngineStats())


@pytest.fixture
def serve(engine):
    servers = []

    def start(**options):
        server = HealthServer(engine, 0, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def get(server, path):
    connection = HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def closed_by_server(sock):
    """Whether the server closed this connection (without waiting for it to)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False


def test_listens_on_localhost_unless_told_otherwise(engine):
    """Without a host the port is bound on 127.0.0.1, not on every interface."""
    server = HealthServer(engine, 0)
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
    finally:
        server.stop()


def test_the_host_option_reaches_the_daemon_and_pubsub_consume():
    """`--health-host` defaults to 127.0.0.1 and can be set on a daemon and on `pubsub consume`."""
    class HealthDaemon(ConsumerDaemon):
        name = "health"

    assert HealthDaemon().make_arg_parser().parse_args([]).health_host == "127.0.0.1"
    assert HealthDaemon().make_arg_parser().parse_args(["--health-host", "0.0.0.0"]).health_host == "0.0.0.0"
    args = make_parser().parse_args(["consume", "--callback", "m:f", "--health-host", "::1"])
    assert args.health_host == "::1"


def test_idle_connections_cost_a_bounded_number_of_threads_and_time_out(serve):
    """20 idle connections hold at most MAX_CONNECTIONS threads; once they time out, requests answer again."""
    server = serve()
    threads_before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        # the server has seen them all once it closed every connection beyond its slots
        assert poll(lambda: sum(closed_by_server(sock) for sock in idle) >= 20 - MAX_CONNECTIONS)
        assert threading.active_count() <= threads_before + MAX_CONNECTIONS
        for sock in idle:
            sock.settimeout(TIMEOUT_SECONDS + 5)
        assert idle[0].recv(1) == b""  # dropped by the server's timeout, not by ours
        assert poll(lambda: threading.active_count() <= threads_before)
        assert get(server, "/live") == (200, {"live": True})
    finally:
        for sock in idle:
            sock.close()


def test_a_connection_that_sends_nothing_is_closed_after_the_timeout(serve):
    """A client that connects and stays silent is disconnected by the server."""
    server = serve(timeout_seconds=0.3)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(10)
        started = monotonic()
        assert sock.recv(1) == b""
        assert monotonic() - started < 5


@pytest.mark.parametrize("error, hidden, kept", [
    ('receive: EndpointConnectionError: Could not connect to the endpoint URL: '
     '"http://10.1.2.3:4566/123456789012/orders"',
     ["http", "10.1.2.3", "4566", "123456789012", "orders"],
     "receive: EndpointConnectionError: Could not connect to the endpoint URL"),
    ("receive: ClientError: An error occurred (SignatureDoesNotMatch): Credential=AKIAIOSFODNN7EXAMPLE/20240101 "
     "X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE for sqs.eu-west-1.amazonaws.com",
     ["AKIAIOSFODNN7EXAMPLE", "IQoJb3JpZ2luX2VjEXAMPLE", "amazonaws.com"],
     "receive: ClientError: An error occurred (SignatureDoesNotMatch)"),
    ("resolve: ClientError: An error occurred (AWS.SimpleQueueService.NonExistentQueue) for "
     "arn:aws:sqs:us-east-1:123456789012:orders\nTraceback line two",
     ["arn:aws", "123456789012", "Traceback"],
     "resolve: ClientError: An error occurred (AWS.SimpleQueueService.NonExistentQueue)"),
])
def test_stats_show_the_error_kind_without_endpoints_or_credentials(serve, engine, error, hidden, kept):
    """`last_error` keeps the stage, the error kind and its message, and loses URLs, hosts, ARNs and keys."""
    server = serve()
    engine.stats.record_error(error)

    status, stats = get(server, "/stats")

    assert status == 200
    assert stats["last_error"].startswith(kept)
    assert not [secret for secret in hidden if secret in stats["last_error"]], stats["last_error"]


def test_a_long_error_is_cut_short(serve, engine):
    """An error message of any length shows as one short line."""
    server = serve()
    engine.stats.record_error("receive: ValueError: " + "x" * 5000)

    assert len(get(server, "/stats")[1]["last_error"]) <= 160
