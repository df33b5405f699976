"""
One health port for all the workers of `--processes N`: the manager answers, the workers report.

Why the manager aggregates: N workers cannot listen on one port, and a scrape should see the
whole daemon. Each worker's health server listens on a private port on 127.0.0.1 and writes it
to a directory the manager made (`WORKER_HEALTH_DIR`, inherited through the fork); the manager
answers `/metrics` with every worker's series labelled `worker="<index>"`, and `/live`,
`/ready`, `/stats` with each worker's answer (200 only when every worker says 200).

"""
from json import dumps, loads
from os import environ, getpid, register_at_fork
from pathlib import Path
from shutil import rmtree
from tempfile import mkdtemp
from threading import Thread
from typing import Any, Callable, Optional
from urllib.error import HTTPError
from urllib.request import urlopen

WORKER_HEALTH_DIR = "PUBSUB_WORKER_HEALTH_DIR"
PRIVATE_HOST = "127.0.0.1"
FETCH_TIMEOUT_SECONDS = 2.0


def worker_port(port: int) -> int:
    """The port a worker's health server binds: its own (0, any free one) under a manager."""
    return 0 if environ.get(WORKER_HEALTH_DIR) else port


def worker_host(host: str) -> str:
    """The address it binds: under a manager only 127.0.0.1, whatever `--health-host` says (the manager faces out)."""
    return PRIVATE_HOST if environ.get(WORKER_HEALTH_DIR) else host


def announce_worker_port(port: int) -> None:
    """Tell the manager where this worker's health server listens (nothing without a manager)."""
    directory = environ.get(WORKER_HEALTH_DIR)
    if directory and Path(directory).is_dir():
        path = Path(directory) / f"{getpid()}.port"
        path.with_suffix(".tmp").write_text(str(port))
        path.with_suffix(".tmp").replace(path)


def label_samples(text: str, worker: str, families: dict) -> None:
    """Add `worker="<worker>"` to every sample of an exposition, grouping lines by family."""
    family: Optional[list] = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split(" ", 3)[2]
            family = families.setdefault(name, [[], []])
            if line not in family[0]:
                family[0].append(line)
            continue
        if line.startswith("#") or family is None:
            continue
        if "{" in line:
            family[1].append(line.replace("{", f'{{worker="{worker}",', 1))
        else:
            name, _, rest = line.partition(" ")
            family[1].append(f'{name}{{worker="{worker}"}} {rest}')


def fetch(url: str) -> tuple[int, bytes]:
    """(status, body) of a worker's answer; (0, empty) when it does not answer."""
    try:
        with urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class WorkersHealth:
    """The manager's health server: answers for the workers listed by `workers()` (processes)."""

    def __init__(self, port: int, host: str, workers: Callable[[], list]):
        self.port, self.host, self.workers = port, host, workers
        self.directory = mkdtemp(prefix="pubsub-workers-")
        self.httpd: Any = None

    def worker_urls(self) -> list[tuple[str, Optional[str]]]:
        """(worker index, base URL or None while it has not reported) for each worker."""
        urls = []
        for index, process in enumerate(self.workers()):
            path = Path(self.directory) / f"{process.pid}.port"
            port = path.read_text().strip() if path.exists() else ""
            urls.append((str(index), f"http://{PRIVATE_HOST}:{port}" if port.isdigit() else None))
        return urls

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request to the manager's port."""
        route = path.split("?", 1)[0].rstrip("/")
        if route == "/metrics":
            families: dict = {}
            for index, url in self.worker_urls():
                status, body = fetch(f"{url}/metrics") if url else (0, b"")
                if status == 200:
                    label_samples(body.decode(), index, families)
            text = "".join("\n".join(header + samples) + "\n" for header, samples in families.values())
            return 200, "text/plain; version=0.0.4; charset=utf-8", text.encode()
        if route in ("/live", "/ready", "/stats"):
            answers = {}
            for index, url in self.worker_urls():
                status, body = fetch(f"{url}{route}") if url else (0, b"")
                answers[index] = dict(status=status, body=loads(body) if status else None)
            healthy = bool(answers) and all(answer["status"] == 200 for answer in answers.values())
            return (200 if healthy else 503), "application/json", dumps(dict(workers=answers)).encode()
        error = {"error": f"unknown path {route or '/'}: use /live, /ready, /stats or /metrics"}
        return 404, "application/json", dumps(error).encode()

    def start(self) -> None:
        """Listen, and let workers forked from now on report their private ports."""
        from microcosm_pubsub.health import MAX_CONNECTIONS, TIMEOUT_SECONDS, BoundedHTTPServer, answering_handler

        Handler = answering_handler(self.answer, TIMEOUT_SECONDS)
        environ[WORKER_HEALTH_DIR] = self.directory
        self.httpd = BoundedHTTPServer((self.host, self.port), Handler, MAX_CONNECTIONS)
        # a forked worker must not keep the manager's port open (it would outlive a dead manager)
        register_at_fork(after_in_child=self._close_in_child)
        Thread(target=self.httpd.serve_forever, name="pubsub-workers-health", daemon=True).start()

    def _close_in_child(self) -> None:
        if self.httpd is not None:
            self.httpd.socket.close()
            self.httpd = None

    def stop(self) -> None:
        environ.pop(WORKER_HEALTH_DIR, None)
        httpd, self.httpd = self.httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        rmtree(self.directory, ignore_errors=True)
