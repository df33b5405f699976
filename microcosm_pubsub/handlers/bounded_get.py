"""
`get`: the GET that `URIHandler` sends, bounded in time, size and target.

Why: a message's `uri` is data, written by whoever can publish to the topic, so the fetch treats it
as hostile input. Each bound raises its own `FetchRefused` subclass: `URIHandler` retries a
`ResourceTooSlow` as a `Nack` and lets the others fail the message (retried, then dead-lettered).

- Time: one deadline (`timeout`) covers the whole fetch: connecting, TLS, the headers, every body
  read and every redirect. A per-read timeout alone never fires against a server that sends one
  byte a second, so a watchdog shuts the connection down when the deadline passes, which wakes
  whatever read is blocked. Not covered: the DNS lookup itself.
- Size: the body is streamed and counted. A `Content-Length` over `max_bytes` is refused before
  any of the body is read; a body without one (or with a false one) is cut off after `max_bytes`
  and one chunk.
- Target: only http and https, and no loopback, link-local (such as the 169.254.169.254 metadata
  endpoint), unspecified, multicast or reserved address, unless the host is in `allowed_hosts`.
  The name is resolved and every address checked; the connected peer is checked again (against
  DNS rebinding) when no proxy is in between. Private ranges (10/8, 172.16/12, 192.168/16,
  fc00::/7) are allowed: internal services live there. Redirects (at most `MAX_REDIRECTS`) are
  checked like the first URL, and their bodies are never read.

"""
from contextvars import ContextVar
from ipaddress import ip_address, ip_network
from socket import IPPROTO_TCP, SHUT_RDWR, gaierror, getaddrinfo, socket
from threading import Lock, Timer
from time import monotonic
from typing import Iterable, Optional
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

from microcosm_pubsub.errors import PubSubError


DEFAULT_REQUEST_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
CONFIG_SECTION = "uri_handler"

_REFUSED_KINDS = ("loopback", "link_local", "unspecified", "multicast", "reserved")
_THIS_NETWORK = ip_network("0.0.0.0/8")
_current_fetch: ContextVar[Optional["_Fetch"]] = ContextVar("bounded_get_fetch", default=None)


class FetchRefused(PubSubError):
    """A bounded GET stopped at one of its limits; the message names the config key to change."""


class ResourceNotAllowed(FetchRefused):
    """The URL's scheme or address is not one the handler may fetch."""


class ResourceTooLarge(FetchRefused):
    """The resource is larger than `max_bytes`."""


class ResourceTooSlow(FetchRefused):
    """The fetch did not finish within its deadline."""


def _refused_kind(address: str) -> Optional[str]:
    """What makes `address` off limits ("loopback", "link local", ...), or None when it is not."""
    ip = ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    if ip.version == 4 and ip in _THIS_NETWORK:
        return "unspecified"
    kinds = [kind for kind in _REFUSED_KINDS if getattr(ip, f"is_{kind}")]
    return kinds[0].replace("_", " ") if kinds else None


class _Fetch:
    """One bounded GET: its deadline and watchdog, its size cap and its allowed hosts."""

    def __init__(self, timeout: float, max_bytes: int, allowed_hosts: Iterable[str]):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.deadline = monotonic() + timeout
        self.expired = False
        self._sockets: list[socket] = []
        self._lock = Lock()
        self._watchdog = Timer(timeout, self._expire)
        self._watchdog.daemon = True

    def __enter__(self) -> "_Fetch":
        self._token = _current_fetch.set(self)
        self._watchdog.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watchdog.cancel()
        _current_fetch.reset(self._token)
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def remaining(self) -> float:
        """Seconds left before the deadline (never 0, which would mean "no timeout" to a socket)."""
        return max(self.deadline - monotonic(), 0.001)

    def out_of_time(self) -> bool:
        return self.expired or monotonic() >= self.deadline

    def watch(self, sock: socket) -> None:
        """Shut `sock`'s connection down at the deadline (a duplicate, as TLS detaches the original)."""
        with self._lock:
            self._sockets.append(sock.dup())
            if self.expired:
                self._shutdown(self._sockets[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket) -> None:
        try:
            sock.shutdown(SHUT_RDWR)
        except OSError:
            pass  # already closed by its side

    def too_slow(self, host: str) -> ResourceTooSlow:
        return ResourceTooSlow(
            f"fetching from {host} took longer than the {self.timeout} s deadline; "
            f"raise {CONFIG_SECTION}.request_timeout_seconds to wait longer",
        )

    def too_large(self, host: str, size: str) -> ResourceTooLarge:
        return ResourceTooLarge(
            f"the resource at {host} is {size}, over the {self.max_bytes} byte limit; "
            f"raise {CONFIG_SECTION}.max_response_bytes to accept it",
        )

    def check_address(self, host: str, address: str) -> None:
        """Refuse `address` (one of `host`'s) unless it is routable or `host` is allowed."""
        kind = None if host.lower() in self.allowed_hosts else _refused_kind(address)
        if kind:
            where = "" if address == host else f" {address},"
            raise ResourceNotAllowed(
                f"URI host {host!r} is{where} a {kind} address, which is not fetched by default; "
                f"list the host in {CONFIG_SECTION}.allowed_hosts to allow it",
            )

    def check_url(self, url: str) -> str:
        """Refuse a scheme other than http(s) or a host with a refused address; return the host."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ResourceNotAllowed(
                f"URI scheme {parts.scheme!r} is not fetched: only http and https URLs with a host",
            )
        host = parts.hostname
        if host.lower() not in self.allowed_hosts:
            for address in _resolve(host):
                self.check_address(host, address)
        return host


def _resolve(host: str) -> set[str]:
    """Every address `host` resolves to (a resolver failure reads as requests' ConnectionError)."""
    try:
        return {info[4][0] for info in getaddrinfo(host, None, proto=IPPROTO_TCP)}
    except (gaierror, UnicodeError) as error:
        raise requests.ConnectionError(f"cannot resolve URI host {host!r}: {error}") from error


class _WatchedConnection:
    """Registers each new socket with the current fetch and checks the peer it reached."""

    def _new_conn(self) -> socket:
        sock = super()._new_conn()  # type: ignore[misc]
        fetch = _current_fetch.get()
        if fetch is None:
            return sock
        try:
            fetch.watch(sock)
            if getattr(self, "proxy", None) is None:
                fetch.check_address(self.host, sock.getpeername()[0])  # type: ignore[attr-defined]
        except BaseException:
            sock.close()
            raise
        return sock


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = type("WatchedHTTPConnection", (_WatchedConnection, HTTPConnection), {})


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = type("WatchedHTTPSConnection", (_WatchedConnection, HTTPSConnection), {})


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose connections (direct or through an HTTP proxy) are watched."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # type: ignore[no-untyped-def]
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def _read_body(response: requests.Response, fetch: _Fetch, host: str) -> None:
    """Stream the body into `response` (so `.json()` works), stopping at the size cap."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > fetch.max_bytes:
        raise fetch.too_large(host, f"{declared} bytes by its Content-Length")
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > fetch.max_bytes:
            raise fetch.too_large(host, f"more than {fetch.max_bytes} bytes")
    if fetch.expired:  # the watchdog's shutdown ends a body without a length like an EOF
        raise fetch.too_slow(host)
    response._content = bytes(body)  # what requests itself stores once it read the body


def _follow(session: requests.Session, url: str, headers: Optional[dict], fetch: _Fetch):
    """GET `url`, following redirects by hand, so none is fetched or read unchecked."""
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)  # mounted, so closing the session closes its connections
    for _ in range(MAX_REDIRECTS + 1):
        host = fetch.check_url(url)
        request = session.prepare_request(requests.Request("GET", url, headers=headers))
        settings = session.merge_environment_settings(request.url, {}, True, None, None)
        response = None
        try:
            response = adapter.send(request, timeout=(fetch.remaining(), fetch.remaining()), **settings)
            target = session.get_redirect_target(response)
            if target is None:
                _read_body(response, fetch, host)
                return response
        except (requests.RequestException, OSError) as error:
            if fetch.out_of_time():
                raise fetch.too_slow(host) from error
            raise
        finally:
            if response is not None:
                response.close()
        url = urljoin(url, target)
    raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects (the last to {urlsplit(url).hostname})")


def get(
    url: str,
    headers: Optional[dict] = None,
    timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    allowed_hosts: Iterable[str] = (),
) -> requests.Response:
    """
    GET `url` within `timeout` seconds overall and `max_bytes`, from an allowed address only.

    Raises `ResourceTooSlow`, `ResourceTooLarge` or `ResourceNotAllowed`; a response it returns
    has its body read already (`.json()`, `.content`), whatever its status.

    """
    with _Fetch(timeout, max_bytes, allowed_hosts) as fetch, requests.Session() as session:
        return _follow(session, url, headers, fetch)
