"""
A tiny HTTP health endpoint for a running consumer (stdlib only, in a thread).

- `GET /live`: 200 while the receive loop is turning (else 503): restart me if not.
- `GET /ready`: 200 when the broker answers and the consumer is not draining (else 503):
  route work elsewhere if not.
- `GET /stats`: JSON counters (received, each result type, in flight, last error, uptime).
- `GET /metrics`: the same and more in Prometheus text format (`microcosm_pubsub.observability`).

Why it is guarded: it listens on 127.0.0.1 unless `--health-host` says otherwise, and whoever
reaches it must not cost the consumer much or learn its environment. At most `max_connections`
requests are served at once (one thread each; more are closed unanswered), a connection that
sends nothing for `timeout_seconds` is dropped, and `/stats` shows the last error as its kind and
a short message with URLs, hosts, ARNs, account ids and credentials cut out.

"""
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from json import dumps
from threading import BoundedSemaphore, Thread
from typing import Any, Callable, Optional

from microcosm_pubsub.arguments import DEFAULT_HEALTH_HOST
from microcosm_pubsub.observability.metrics import metrics_answer
from microcosm_pubsub.observability.workers_health import announce_worker_port, worker_host, worker_port


MAX_CONNECTIONS = 8
TIMEOUT_SECONDS = 5.0
MAX_ERROR_CHARS = 160

# what an error text may carry that says where the consumer runs or how it signs in
REDACTIONS = (
    (re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+"), "<url>"),
    (re.compile(r"\barn:[^\s'\"]+"), "<arn>"),
    (re.compile(r"\b(\w*(?:token|secret|password|credential|signature)\w*)=[^\s,'\"]+", re.IGNORECASE),
     r"\1=<redacted>"),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b"), "<access-key>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<host>"),
    (re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\b"), "<host>"),
    (re.compile(r"\b\d{12}\b"), "<account>"),
)


def public_error(description: Optional[str]) -> Optional[str]:
    """The error `/stats` may show: its first line, redacted, at most MAX_ERROR_CHARS long."""
    if not description:
        return description
    text = (description.strip().splitlines() or [""])[0]
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def answering_handler(answer: Callable[[str], tuple[int, str, bytes]], timeout_seconds: float) -> type:
    """A quiet GET-only request handler serving `answer(path)` -> (status, content type, payload)."""
    class Handler(BaseHTTPRequestHandler):
        timeout = timeout_seconds

        def do_GET(self) -> None:
            status, content_type, payload = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per request, at most `max_connections` at once; a connection beyond is closed."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, max_connections: int):
        self._slots = BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class HealthServer:
    """Serves one engine's health on `host:port` until stopped."""

    def __init__(
        self,
        engine: Any,
        port: int,
        host: str = DEFAULT_HEALTH_HOST,
        live_within_seconds: float = 60.0,
        max_connections: int = MAX_CONNECTIONS,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ):
        self.engine = engine
        self.live_within_seconds = live_within_seconds + engine.consumer.wait_seconds
        server = self

        def encoded(path: str) -> tuple[int, str, bytes]:
            status, body = server.answer(path)
            # /metrics answers (content type, text); every other route JSON
            content_type, payload = body if isinstance(body, tuple) else ("application/json", dumps(body).encode())
            return status, content_type, payload

        Handler = answering_handler(encoded, timeout_seconds)
        # a worker of --processes N listens privately; its manager serves `port` for all workers
        self.httpd = BoundedHTTPServer((worker_host(host), worker_port(port)), Handler, max_connections)
        self.port = self.httpd.server_address[1]
        announce_worker_port(self.port)
        self._thread = Thread(target=self.httpd.serve_forever, name="pubsub-health", daemon=True)

    def answer(self, path: str) -> tuple[int, Any]:
        route = path.split("?", 1)[0].rstrip("/")
        if route == "/live":
            live = all(poller.is_turning(self.live_within_seconds) for poller in self.engine.pollers)
            return (200 if live else 503), {"live": live}
        if route == "/ready":
            reachable = all(poller.broker_reachable for poller in self.engine.pollers)
            ready = reachable and not self.engine.draining
            return (200 if ready else 503), {"ready": ready, "broker_reachable": reachable,
                                             "draining": self.engine.draining}
        if route == "/stats":
            stats = self.engine.stats.snapshot()
            return 200, {**stats, "last_error": public_error(stats.get("last_error"))}
        if route == "/metrics":
            return metrics_answer(self.engine)
        return 404, {"error": f"unknown path {route or '/'}: use /live, /ready, /stats or /metrics"}

    def start(self) -> None:
        """Serve from a thread (the daemon starts this once its engine is consuming)."""
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()
