"""
A fault-injecting TCP proxy on 127.0.0.1, between a daemon and an HTTP/1.1 broker (moto).

It forwards bytes both ways and reads just enough of each request (request line, headers,
Content-Length body) to answer some of them itself. Modes:

- `restore()`: forward everything (the default);
- `refuse()`: stop listening and cut every open connection, so connects fail with ECONNREFUSED;
- `reset()`: keep listening but close each new connection at once with a TCP reset;
- `fail_share(share)`: answer that share of each operation's requests (the first, then evenly
  spread, so the pattern does not depend on timing) with a throttling (HTTP 400) or 503 error,
  alternately, in the service's own protocol (JSON for SQS, XML for SNS), keeping the
  connection alive.

Requests answered by the proxy never reach the broker, so an injected error never hides a
side effect. botocore does not pipeline requests, so an injected answer never overtakes one
from the broker on the same connection.

"""
import socket
import struct
from collections import Counter
from math import ceil
from threading import Event, Lock, Thread
from typing import Optional


FORWARD, REFUSE, RESET = "forward", "refuse", "reset"
THROTTLING = (400, "ThrottlingException", "Rate exceeded")
UNAVAILABLE = (503, "ServiceUnavailable", "Service is unavailable, try again")
REASONS = {400: "Bad Request", 503: "Service Unavailable"}
HEADER_END = b"\r\n\r\n"


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the upstream, injecting the faults its mode asks for."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.mode = FORWARD
        self.share = 0.0
        self.errors = (THROTTLING, UNAVAILABLE)
        # per operation (X-Amz-Target or Action): forwarded and injected counts, and refused connects
        self.forwarded: Counter = Counter()
        self.injected: Counter = Counter()
        self.dropped_connections = 0
        self._seen: Counter = Counter()
        self._lock = Lock()
        self._connections: set[socket.socket] = set()
        self._listener: Optional[socket.socket] = None
        self._listening = Event()
        self._closed = Event()
        self._stopped = Event()
        self._thread = Thread(target=self._serve, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FaultProxy":
        self._open_listener()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._close_listener()
        self._cut_connections()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def restore(self) -> None:
        """Forward everything again (listening again on the same port)."""
        with self._lock:
            self.mode, self.share = FORWARD, 0.0
        self._listening.wait(5)

    def refuse(self) -> None:
        """Stop listening and cut open connections: the broker looks down (connection refused)."""
        with self._lock:
            self.mode = REFUSE
        self._closed.wait(5)
        self._cut_connections()

    def reset(self) -> None:
        """Accept connections but reset each at once, and cut open ones: the broker drops connections."""
        with self._lock:
            self.mode = RESET
        self._listening.wait(5)
        self._cut_connections()

    def fail_share(self, share: float, errors: tuple = (THROTTLING, UNAVAILABLE)) -> None:
        """Answer `share` (0..1) of each operation's requests with `errors` in turn, (status, code, message)."""
        with self._lock:
            self.mode, self.share, self.errors = FORWARD, share, errors
            self._seen.clear()

    def _open_listener(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._closed.clear()
        self._listening.set()

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._listening.clear()
        self._closed.set()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            if self.mode == REFUSE:
                if self._listener is not None:
                    self._close_listener()
                self._stopped.wait(0.05)
                continue
            if self._listener is None:
                self._open_listener()
            try:
                client, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            if self.mode != FORWARD:
                self._drop(client)
                continue
            Thread(target=self._relay, args=(client,), name="fault-proxy-conn", daemon=True).start()

    def _drop(self, client: socket.socket) -> None:
        """Close with a reset (SO_LINGER 0), as a crashed or overloaded broker would."""
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        with self._lock:
            self.dropped_connections += 1

    def _track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._connections.update(sockets)

    def _cut_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        self._track(client, upstream)
        send_lock = Lock()
        Thread(target=self._pump, args=(upstream, client, send_lock), name="fault-proxy-pump", daemon=True).start()
        try:
            self._requests(client, upstream, send_lock)
        except OSError:
            pass
        finally:
            for connection in (client, upstream):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()

    def _pump(self, source: socket.socket, target: socket.socket, send_lock: Lock) -> None:
        """Copy the broker's answers to the client until either side closes."""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                with send_lock:
                    target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _requests(self, client: socket.socket, upstream: socket.socket, send_lock: Lock) -> None:
        """Read whole requests from the client; forward each, or answer it with an injected error."""
        buffer = b""
        while True:
            while HEADER_END not in buffer:
                data = client.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, rest = buffer.partition(HEADER_END)
            headers = parse_headers(head)
            if "chunked" in headers.get("transfer-encoding", ""):
                upstream.sendall(buffer)  # not HTTP we can frame: pass the rest through untouched
                self._pump(client, upstream, Lock())
                return
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                data = client.recv(65536)
                if not data:
                    return
                rest += data
            body, buffer = rest[:length], rest[length:]
            operation = operation_of(headers, body)
            error = self._choose_error(operation)
            if self.mode != FORWARD:
                return
            if error is None:
                with self._lock:
                    self.forwarded[operation] += 1
                upstream.sendall(head + HEADER_END + body)
                continue
            with self._lock:
                self.injected[operation] += 1
            with send_lock:
                client.sendall(error_response(error, headers))

    def _choose_error(self, operation: str) -> Optional[tuple]:
        """The error for this operation's next request, when its share of failures is due."""
        with self._lock:
            seen = self._seen[operation]
            self._seen[operation] += 1
            if ceil((seen + 1) * self.share) > ceil(seen * self.share):
                return self.errors[sum(self.injected.values()) % len(self.errors)]
        return None


def parse_headers(head: bytes) -> dict[str, str]:
    """Header names (lower case) to values, from a request head without its final blank line."""
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def operation_of(headers: dict[str, str], body: bytes) -> str:
    """The AWS operation: the JSON protocol's X-Amz-Target, else the query protocol's Action."""
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    for pair in body.decode("latin-1").split("&"):
        if pair.startswith("Action="):
            return pair[len("Action="):]
    return "unknown"


def error_response(error: tuple, headers: dict[str, str]) -> bytes:
    """An AWS error answer, JSON (SQS) or XML (SNS and other query services), that keeps the connection alive."""
    status, code, message = error
    if "json" in headers.get("content-type", ""):
        content_type = "application/x-amz-json-1.0"
        body = f'{{"__type": "com.amazonaws.sqs#{code}", "message": "{message}"}}'
        extra = f"x-amzn-query-error: {code};Sender\r\n"
    else:
        content_type = "text/xml"
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
        extra = ""
    encoded = body.encode()
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(encoded)}\r\nx-amzn-RequestId: fault-proxy\r\n{extra}"
            "Connection: keep-alive\r\n\r\n")
    return head.encode() + encoded
