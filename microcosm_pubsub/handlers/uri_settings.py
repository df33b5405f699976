"""
The limits of `URIHandler`'s GET: each from its keyword, else the `uri_handler` config, else a default.

| key (`uri_handler.`)      | default  | meaning                                                       |
|---------------------------|----------|---------------------------------------------------------------|
| `request_timeout_seconds` | 10       | deadline for the whole fetch: connect, headers, body, redirects |
| `max_response_bytes`      | 10 MiB   | largest body read; a larger one is refused                    |
| `allowed_hosts`           | none     | hosts fetched whatever their addresses (a list, or one        |
|                           |          | comma-separated string), such as a sidecar on 127.0.0.1       |

Why the config is read only from a real microcosm `Configuration`: a handler can be built from any
graph-like object, a MagicMock included, whose `config` would answer every key with a mock.
Strings (as environment variables give) are parsed; keywords must already have their type.

"""
from dataclasses import dataclass
from typing import Any, Callable

from microcosm.config.model import Configuration

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.handlers.bounded_get import (
    CONFIG_SECTION,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
)


class _Configured:
    """The default of a keyword that is read from the config when it is not given."""

    def __repr__(self) -> str:
        return "<from config>"


CONFIGURED: Any = _Configured()


def _positive(key: str, value: Any, default: Any, kinds: tuple, noun: str) -> Any:
    """Refuse a missing, non-positive or non-numeric limit: a GET must never be unbounded."""
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        raise ConfigurationError(
            f"{key} must be a positive {noun}, got {value!r}; leave it out to use the default of {default}",
        )
    return value


def _hosts(value: Any) -> tuple[str, ...]:
    """Host names from a list of names or one comma-separated string."""
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, (list, tuple, set, frozenset)) or not all(isinstance(name, str) for name in names):
        raise ConfigurationError(
            f"allowed_hosts must be host names (a list, or one comma-separated string), got {value!r}",
        )
    return tuple(name.strip().lower() for name in names if name.strip())


def _setting(graph: Any, key: str, value: Any, default: Any, parse: Callable[[str], Any]) -> Any:
    """The keyword `value`, else `uri_handler.<key>` of a real config (a string parsed), else `default`."""
    if value is not CONFIGURED:
        return value
    config = getattr(graph, "config", None)
    section = config.get(CONFIG_SECTION) if isinstance(config, Configuration) else None
    if not isinstance(section, dict) or key not in section:
        return default
    configured = section[key]
    try:
        return parse(configured) if isinstance(configured, str) else configured
    except ValueError:
        raise ConfigurationError(f"{CONFIG_SECTION}.{key} is not a number: {configured!r}") from None


@dataclass(frozen=True)
class FetchSettings:
    """The three limits, checked."""

    request_timeout_seconds: float
    max_response_bytes: int
    allowed_hosts: tuple[str, ...]

    @classmethod
    def resolve(cls, graph: Any, request_timeout_seconds: Any, max_response_bytes: Any,
                allowed_hosts: Any) -> "FetchSettings":
        """Resolve each setting (keyword, config, default) and refuse an unusable one."""
        timeout = _setting(graph, "request_timeout_seconds", request_timeout_seconds,
                           DEFAULT_REQUEST_TIMEOUT_SECONDS, float)
        max_bytes = _setting(graph, "max_response_bytes", max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES, int)
        return cls(
            _positive("request_timeout_seconds", timeout, DEFAULT_REQUEST_TIMEOUT_SECONDS, (int, float), "number"),
            _positive("max_response_bytes", max_bytes, DEFAULT_MAX_RESPONSE_BYTES, (int,), "integer"),
            _hosts(_setting(graph, "allowed_hosts", allowed_hosts, (), str)),
        )


def get_options(request_timeout_seconds: float, max_response_bytes: int, allowed_hosts: tuple) -> dict:
    """The keywords for `get` whose values differ from its defaults (so old call assertions hold)."""
    options: dict[str, Any] = {}
    if request_timeout_seconds != DEFAULT_REQUEST_TIMEOUT_SECONDS:
        options.update(timeout=request_timeout_seconds)
    if max_response_bytes != DEFAULT_MAX_RESPONSE_BYTES:
        options.update(max_bytes=max_response_bytes)
    if allowed_hosts:
        options.update(allowed_hosts=allowed_hosts)
    return options
