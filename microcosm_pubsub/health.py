"""
A tiny HTTP health endpoint for a running consumer (stdlib only, in a thread).

- `GET /live`: 200 while the receive loop is turning (else 503): restart me if not.
- `GET /ready`: 200 when the broker answers and the consumer is not draining (else 503):
  route work elsewhere if not.
- `GET /stats`: JSON counters (received, each result type, in flight, last error, uptime).

"""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from json import dumps
from threading import Thread
from typing import Any


class HealthServer:
    """Serves one engine's health on `host:port` until stopped."""

    def __init__(self, engine: Any, port: int, host: str = "0.0.0.0", live_within_seconds: float = 60.0):
        self.engine = engine
        self.live_within_seconds = live_within_seconds + engine.consumer.wait_seconds
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server.answer(self.path)
                payload = dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self._thread = Thread(target=self.httpd.serve_forever, name="pubsub-health", daemon=True)

    def answer(self, path: str) -> tuple[int, dict]:
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
            return 200, self.engine.stats.snapshot()
        return 404, {"error": f"unknown path {route or '/'}: use /live, /ready or /stats"}

    def start(self) -> None:
        """Serve from a thread (the daemon starts this once its engine is consuming)."""
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()
