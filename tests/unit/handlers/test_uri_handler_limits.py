"""
URIHandler against hostile resources: a real HTTP server on 127.0.0.1 that drips bytes, serves
huge bodies, lies about their length and redirects to the metadata endpoint.

No test connects anywhere but 127.0.0.1: the `network` fixture fails a test that tries.

"""
import json
import ssl
import tracemalloc
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from threading import Event, Thread
from time import monotonic
from unittest.mock import MagicMock, patch

import pytest
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.errors import ConfigurationError, Nack
from microcosm_pubsub.handlers.uri_handler import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    FetchRefused,
    ResourceNotAllowed,
    ResourceTooLarge,
    URIHandler,
)


MiB = 1024 * 1024
BLOCK = b"x" * (64 * 1024)
DRIP_SECONDS = 0.2
DRIPS = 50  # a whole drip takes 10 s, far over the 1 s deadline of the tests below
CAP = 1 * MiB
HUGE = 64 * MiB


class HostileResource(BaseHTTPRequestHandler):
    """Serves `/<route>`; records each request and counts the body bytes it got out."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route, _, argument = self.path.lstrip("/").partition("/")
        try:
            getattr(self, f"serve_{route}")(argument)
        except OSError:
            pass  # the client hung up, as it should on a refusal
        finally:
            self.server.finished.set()

    def start(self, status=200, **headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), str(value))
        self.end_headers()

    def write(self, data):
        self.wfile.write(data)
        self.wfile.flush()
        self.server.sent += len(data)

    def drip(self, byte=b" "):
        for _ in range(DRIPS):
            if self.server.stop.wait(DRIP_SECONDS):
                return
            self.write(byte)

    def serve_json(self, _):
        body = json.dumps(dict(foo="bar")).encode()
        self.start(Content_Type="application/json", Content_Length=len(body))
        self.write(body)

    def serve_drip_body(self, _):
        self.start(Content_Length=DRIPS)
        self.drip()

    def serve_drip_headers(self, _):
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        self.drip(b"z")

    def serve_declared_huge(self, _):
        self.start(Content_Length=10 * 1024 * MiB)
        self.drip()

    def serve_unsized(self, _):
        self.close_connection = True
        self.start(Connection="close")
        self.flood()

    def serve_chunked_liar(self, _):
        self.start(Content_Length=100, Transfer_Encoding="chunked")
        self.flood(framing=lambda block: b"%x\r\n%s\r\n" % (len(block), block))

    def flood(self, framing=lambda block: block):
        while self.server.sent < HUGE and not self.server.stop.is_set():
            self.write(framing(BLOCK))

    def serve_redirect(self, location):
        self.start(302, Location=location, Content_Length=0)

    def log_message(self, format, *args):
        return


@contextmanager
def serving(tls=None):
    """A threaded server on 127.0.0.1 serving `HostileResource` (over TLS with a context)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileResource)
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.requests, server.sent, server.finished, server.stop = [], 0, Event(), Event()
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server():
    """The hostile server over plain HTTP."""
    with serving() as server:
        yield server


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """The hostile server over HTTPS, with a self-signed certificate for 127.0.0.1 that requests trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    ))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    with serving(tls) as server:
        yield server


@pytest.fixture(autouse=True)
def network():
    """Fail any connection to a host other than 127.0.0.1; `aliases` maps test names onto it."""
    real = urllib3.util.connection.create_connection
    aliases = {}

    def local_only(address, *args, **kwargs):
        host = aliases.get(address[0], address[0])
        if host != "127.0.0.1":
            raise AssertionError(f"the test tried to connect to {address}")
        return real((host, address[1]), *args, **kwargs)

    with patch.object(urllib3.util.connection, "create_connection", local_only):
        yield aliases


def local_handler(graph, **kwargs):
    """A handler allowed to fetch from the local test server, with a 1 s deadline by default."""
    kwargs.setdefault("request_timeout_seconds", 1.0)
    return URIHandler(graph, allowed_hosts=["127.0.0.1"], resource_cache_enabled=False, **kwargs)


def fetch(handler, uri):
    """Return what `get_resource` returns or raises, and how long it took."""
    started = monotonic()
    try:
        outcome = handler.get_resource(dict(uri=uri), uri)
    except (FetchRefused, Nack) as error:
        outcome = error
    return outcome, monotonic() - started


def reason(outcome):
    """The text a refusal logs as the message's reason."""
    return outcome.reason if isinstance(outcome, Nack) else str(outcome)


def test_allowed_local_host_is_fetched(server, graph):
    """A host listed in `allowed_hosts` is fetched even though it is a loopback address."""
    outcome, _ = fetch(local_handler(graph), f"{server.url}/json")
    assert outcome == dict(foo="bar")


@pytest.mark.parametrize("route", ["drip_body", "drip_headers"])
def test_a_dripping_server_is_cut_off_at_the_deadline(server, graph, route):
    """A server sending a byte every 0.2 s (body or headers) ends the fetch at the 1 s deadline."""
    outcome, elapsed = fetch(local_handler(graph, retry_nack_timeout=7), f"{server.url}/{route}")

    assert isinstance(outcome, Nack), outcome
    assert outcome.visibility_timeout_seconds == 7
    assert "1.0 s deadline" in outcome.reason
    assert "uri_handler.request_timeout_seconds" in outcome.reason
    assert 0.9 < elapsed < 3.0  # the drip alone would take 10 s


def test_the_deadline_holds_over_tls(tls_server, graph):
    """Over HTTPS too, a dripping server is cut off at the deadline, and a normal one is read."""
    handler = local_handler(graph)
    assert fetch(handler, f"{tls_server.url}/json")[0] == dict(foo="bar")

    outcome, elapsed = fetch(handler, f"{tls_server.url}/drip_body")
    assert isinstance(outcome, Nack), outcome
    assert 0.9 < elapsed < 3.0


def test_a_declared_huge_body_is_refused_before_reading(server, graph):
    """A Content-Length over the cap refuses the fetch at once, without waiting for the body."""
    outcome, elapsed = fetch(local_handler(graph, request_timeout_seconds=30.0), f"{server.url}/declared_huge")

    assert isinstance(outcome, ResourceTooLarge), outcome
    assert "Content-Length" in reason(outcome)
    assert f"{DEFAULT_MAX_RESPONSE_BYTES} byte limit" in reason(outcome)
    assert "uri_handler.max_response_bytes" in reason(outcome)
    assert elapsed < 5.0  # reading the dripped body would take 10 s, the deadline 30 s


@pytest.mark.parametrize("route", ["unsized", "chunked_liar"])
def test_an_endless_body_is_cut_off_at_the_cap(server, graph, route):
    """A 64 MiB body without a true length is refused after about 1 MiB, in bounded memory."""
    handler = local_handler(graph, max_response_bytes=CAP, request_timeout_seconds=30.0)
    tracemalloc.start()
    try:
        outcome, _ = fetch(handler, f"{server.url}/{route}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert server.finished.wait(10), "the server should stop once the client hangs up"

    assert isinstance(outcome, ResourceTooLarge), outcome
    assert f"more than {CAP} bytes" in reason(outcome)
    assert peak < 8 * MiB
    assert server.sent < HUGE / 2  # the rest was never asked for (kernel buffers hold a few MiB)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_is_refused_by_default(server, graph, host):
    """Without `allowed_hosts`, a loopback URI is refused and nothing is requested."""
    uri = f"http://{host}:{server.server_address[1]}/json"
    outcome, _ = fetch(URIHandler(graph), uri)

    assert isinstance(outcome, ResourceNotAllowed), outcome
    assert "a loopback address" in reason(outcome)
    assert "uri_handler.allowed_hosts" in reason(outcome)
    assert server.requests == []


@pytest.mark.parametrize("uri, kind", [
    ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link local"),
    ("http://[fe80::1]/", "link local"),
    ("http://0.0.0.0:80/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
])
def test_non_routable_targets_are_refused_without_connecting(graph, uri, kind):
    """The metadata endpoint and other non-routable addresses are refused before any connection."""
    outcome, _ = fetch(URIHandler(graph), uri)

    assert isinstance(outcome, ResourceNotAllowed), outcome
    assert f"a {kind} address" in reason(outcome)


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"])
def test_other_schemes_are_refused(graph, uri):
    """Only http and https URIs are fetched, even from an allowed host."""
    outcome, _ = fetch(local_handler(graph), uri)

    assert isinstance(outcome, ResourceNotAllowed), outcome
    assert "only http and https" in reason(outcome)


def test_a_redirect_to_the_metadata_endpoint_is_refused(server, graph):
    """A redirect is checked like the first URI: an allowed host cannot bounce the GET elsewhere."""
    uri = f"{server.url}/redirect/http://169.254.169.254/latest/meta-data/"
    outcome, _ = fetch(local_handler(graph), uri)

    assert isinstance(outcome, ResourceNotAllowed), outcome
    assert "'169.254.169.254'" in reason(outcome)


def test_a_redirect_within_allowed_hosts_is_followed(server, graph):
    """A redirect to an allowed place is followed as before."""
    outcome, _ = fetch(local_handler(graph), f"{server.url}/redirect/{server.url}/json")
    assert outcome == dict(foo="bar")


def test_a_name_that_rebinds_to_loopback_is_refused(server, graph, network):
    """A name that resolves to a public address when checked but connects to loopback is refused."""
    network["rebind.example"] = "127.0.0.1"
    public = [(2, 1, 6, "", ("93.184.216.34", 0))]
    uri = f"http://rebind.example:{server.server_address[1]}/json"
    with patch("microcosm_pubsub.handlers.bounded_get.getaddrinfo", return_value=public):
        outcome, _ = fetch(URIHandler(graph), uri)

    assert isinstance(outcome, ResourceNotAllowed), outcome
    assert "127.0.0.1, a loopback address" in reason(outcome)
    assert server.requests == []


def test_the_receipt_handle_is_not_sent(server, graph):
    """The request id and message id reach the resource's service; the receipt handle does not."""
    opaque = {"X-Request-Id": "request-1", "message_id": "message-1", "receipt_handle": "secret"}
    with graph.opaque.initialize(lambda: opaque):
        fetch(local_handler(graph), f"{server.url}/json")
        assert graph.opaque["receipt_handle"] == "secret"  # still there for the rest of the message

    [(_, headers)] = server.requests
    assert headers["x-request-id"] == "request-1"
    assert headers["message_id"] == "message-1"
    assert "receipt_handle" not in headers


def test_a_refusal_settles_the_message_through_the_handler_call(graph):
    """Calling the handler on a refused URI raises the refusal, which fails (never deletes) the message."""
    with pytest.raises(ResourceNotAllowed, match="link local"):
        URIHandler(graph)(dict(uri="http://169.254.169.254/"))


def test_limits_come_from_the_uri_handler_config_section(server):
    """`uri_handler.*` keys of a real config (strings, as from the environment) set the limits."""
    loader = load_from_dict(uri_handler=dict(
        allowed_hosts="localhost, 127.0.0.1", max_response_bytes="2048", request_timeout_seconds="2.5",
    ))
    graph = create_object_graph("test_uri_handler_limits", testing=True, loader=loader)
    handler = URIHandler(graph)

    assert handler.allowed_hosts == ("localhost", "127.0.0.1")
    assert (handler.max_response_bytes, handler.request_timeout_seconds) == (2048, 2.5)
    assert fetch(handler, f"{server.url}/json")[0] == dict(foo="bar")


def test_a_mock_graph_gets_the_default_limits():
    """A MagicMock graph's config is never read: the defaults apply."""
    handler = URIHandler(MagicMock())
    assert (handler.max_response_bytes, handler.allowed_hosts) == (DEFAULT_MAX_RESPONSE_BYTES, ())
    assert handler.request_timeout_seconds == DEFAULT_REQUEST_TIMEOUT_SECONDS == 10.0


@pytest.mark.parametrize("kwargs, key", [
    (dict(max_response_bytes=0), "max_response_bytes"),
    (dict(max_response_bytes=1.5), "max_response_bytes"),
    (dict(allowed_hosts=[1]), "allowed_hosts"),
])
def test_bad_limits_are_refused(kwargs, key):
    """A limit that is not positive, or hosts that are not names, fail at construction."""
    with pytest.raises(ConfigurationError, match=key):
        URIHandler(MagicMock(), **kwargs)


def test_a_bad_configured_limit_names_its_key():
    """A config value that is not a number fails at construction, naming its dotted key."""
    loader = load_from_dict(uri_handler=dict(max_response_bytes="lots"))
    graph = create_object_graph("test_uri_handler_limits", testing=True, loader=loader)
    with pytest.raises(ConfigurationError, match="uri_handler.max_response_bytes"):
        URIHandler(graph)
