"""
`URIHandler`: the base class for handlers of messages that point at a resource by URI.

Why fetch at all: a message should announce *that* a resource changed and *where* it lives; the
resource itself is read back over HTTP when the message is handled. That keeps messages small and
copes with a message that arrives before the resource is committed (a 404 is retried as a `Nack`).

The GET is bounded (`bounded_get`): one deadline for the whole fetch, a size cap, and no
loopback or link-local target unless allowed (the settings: `uri_settings`). A refused fetch
settles the message: too slow is a `Nack` (retried: it may pass next time); too large or not
allowed fails the message (FAILED, a WARNING naming the config key to change), so it is retried
by the backoff policy and, with a redrive policy, moves to the dead-letter queue. Our limits never
delete a message: after an upgrade that tightens them, or a missing `allowed_hosts` entry, the
fix is the config key and a redrive, not lost messages. Only the settings that differ from the defaults are passed
to `get`, so suites that patch `microcosm_pubsub.handlers.uri_handler.get` and
`assert_called_with(uri, headers=...)` still pass; a patched `get` sends nothing, so it skips
the bounds too (made-up host names need no config).

"""
from abc import ABCMeta
from re import search
from typing import Any, Callable, Optional

from inflection import titleize
from microcosm.errors import LockedGraphError, NotBoundError
from microcosm_logging.decorators import logger
from requests import codes
from requests.exceptions import InvalidSchema

from microcosm_pubsub.constants import DEFAULT_RESOURCE_CACHE_TTL, RECEIPT_HANDLE_KEY
from microcosm_pubsub.conventions.lifecycle import LifecycleChange
from microcosm_pubsub.errors import Nack
from microcosm_pubsub.handlers.bounded_get import (  # noqa: F401 (re-exported)
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    FetchRefused,
    ResourceNotAllowed,
    ResourceTooLarge,
    ResourceTooSlow,
    get,
)
from microcosm_pubsub.handlers.uri_settings import CONFIGURED, FetchSettings, get_options


# Opaque keys never sent as headers: a receipt handle lets its holder delete the message.
UNFORWARDED_OPAQUE_KEYS = (RECEIPT_HANDLE_KEY,)


def resource_cache_whitelist_callable(media_type: Optional[str], uri: str) -> bool:
    """
    Whether a fetched resource may be cached: only `created` events.

    Why: an event resource is immutable once created, so a cached copy can never be stale, while
    a `changed` resource may differ on the next read. Without a media type (usual in tests with
    plain dicts) nothing is cached.

    """
    if not media_type:
        return False
    is_event = search(r"/[a-z]+_event/", uri) is not None
    is_created = search(f".{LifecycleChange.Created}.", media_type) is not None
    return is_event and is_created


@logger
class URIHandler(metaclass=ABCMeta):
    """
    Handle a message by fetching the resource its `uri` names, then calling `handle`.

    A message ends one of five ways: an error (a bug), a skip (`get_reason_to_skip` says the
    message carries enough to need no fetch; returns False), handled (`handle` is truthy; returns
    True), ignored (`handle` is falsy; returns False) or a `Nack` (the resource is not there, or
    not yet at the value the message announces, or the fetch ran out of time). A fetch refused as
    too large or not allowed fails it (retried, then dead-lettered). Subclasses override `handle`,
    and optionally `get_reason_to_skip`, `resource_type` and `nack_if_not_found`.

    """

    def __init__(
        self,
        graph: Any,
        retry_nack_timeout: int = 1,
        resource_nack_timeout: int = 1,
        resource_cache_enabled: bool = True,
        resource_cache_ttl: int = DEFAULT_RESOURCE_CACHE_TTL,
        resource_cache_whitelist_callable: Callable[..., bool] = resource_cache_whitelist_callable,
        request_timeout_seconds: float = CONFIGURED,
        max_response_bytes: int = CONFIGURED,
        allowed_hosts: Any = CONFIGURED,
    ):
        self.opaque = graph.opaque
        self.retry_nack_timeout = retry_nack_timeout
        self.resource_nack_timeout = resource_nack_timeout
        self.resource_cache_ttl = resource_cache_ttl
        self.resource_cache = self.get_resource_cache(graph) if resource_cache_enabled else None
        self.resource_cache_whitelist_callable = resource_cache_whitelist_callable
        settings = FetchSettings.resolve(graph, request_timeout_seconds, max_response_bytes, allowed_hosts)
        self.request_timeout_seconds = settings.request_timeout_seconds
        self.max_response_bytes = settings.max_response_bytes
        self.allowed_hosts = settings.allowed_hosts

    @property
    def nack_timeout(self) -> int:
        """The retry timeout under its older name (kept for existing subclasses)."""
        return self.retry_nack_timeout

    @property
    def name(self) -> str:
        """The class name in words (`URIHandler` -> "Uri Handler"), used in log lines."""
        return titleize(self.__class__.__name__)

    @property
    def nack_if_not_found(self) -> bool:
        """Whether a 404 (or a stale changed field) is retried; override to turn it off."""
        return True

    @property
    def resource_type(self) -> Callable[..., Any]:
        """The class or factory the fetched JSON is converted to; `dict` keeps it as is."""
        return dict

    def get_resource_cache(self, graph: Any) -> Any:
        """The graph's `resource_cache` (microcosm-caching), or None when it is not bound."""
        try:
            return graph.resource_cache
        except (LockedGraphError, NotBoundError):
            return None

    def __call__(self, message: dict) -> bool:
        """Skip, or fetch, convert and handle the resource of `message["uri"]`."""
        uri = message["uri"]
        self.on_call(message, uri)

        skip_reason = self.get_reason_to_skip(message, uri)
        if skip_reason is not None:
            self.on_skip(message, uri, skip_reason)
            return False

        resource = self.convert_resource(self.get_resource(message, uri))
        if self.handle(message, uri, resource):
            self.on_handle(message, uri, resource)
            return True
        self.on_ignore(message, uri, resource)
        return False

    def on_call(self, message: dict, uri: str) -> None:
        """Log the start of handling (debug)."""
        self.logger.debug("Starting {handler}", extra=dict(handler=self.name, uri=uri))

    def on_skip(self, message: dict, uri: str, reason: str) -> None:
        """Log a skip with its reason (info: one info line per message)."""
        self.logger.info(
            "Skipping {handler} because {reason}",
            extra=dict(handler=self.name, reason=reason, uri=uri),
        )

    def on_handle(self, message: dict, uri: str, resource: Any) -> None:
        """Log a handled message (debug)."""
        self.logger.debug("Handled {handler}", extra=dict(handler=self.name, uri=uri))

    def on_ignore(self, message: dict, uri: str, resource: Any) -> None:
        """Log a message that `handle` declined (info)."""
        self.logger.info("Ignored {handler}", extra=dict(handler=self.name, uri=uri))

    def get_reason_to_skip(self, message: dict, uri: str) -> Optional[str]:
        """A reason not to fetch at all (the message says enough), or None to go on."""
        return None

    def get_resource(self, message: dict, uri: str) -> Any:
        """
        The resource at `uri`: from the cache when whitelisted and present, else over HTTP.

        The opaque context goes along as headers, so the request id and friends reach the
        service that owns the resource.

        """
        cacheable = self._is_cacheable(message, uri)
        if cacheable:
            cached = self.resource_cache.get(uri)
            if cached is not None:
                return cached

        resource = self._fetch(message, uri)
        self.validate_changed_field(message, resource)
        if cacheable:
            self.resource_cache.set(uri, resource, ttl=self.resource_cache_ttl)
        return resource

    def _is_cacheable(self, message: dict, uri: str) -> bool:
        """
        Whether a cache is configured and the whitelist accepts this message's resource.

        The dispatcher hands handlers content loaded by the schema (`media_type`); a dict built
        by hand may still carry the wire key (`mediaType`). The earlier library read only the
        wire key, so its default whitelist never cached a dispatched message.

        """
        if not self.resource_cache:
            return False
        return bool(self.resource_cache_whitelist_callable(
            media_type=message.get("media_type") or message.get("mediaType"),
            uri=uri,
        ))

    def _fetch(self, message: dict, uri: str) -> Any:
        """GET the resource; a 404 becomes a `Nack` (it may not be committed yet)."""
        response = self._get(uri, self.get_headers(message))
        if response.status_code == codes.not_found and self.nack_if_not_found:
            raise Nack(self.resource_nack_timeout, reason="URI resource not found")
        response.raise_for_status()
        return response.json()

    def _get(self, uri: str, headers: dict) -> Any:
        """
        Call the module's `get` with the settings that differ from its defaults.

        Too slow may pass on a retry (`Nack`). Too large and not allowed propagate as failures:
        retried, then dead-lettered, never deleted. A scheme `requests` cannot fetch is logged.

        """
        options = get_options(self.request_timeout_seconds, self.max_response_bytes, self.allowed_hosts)
        try:
            return get(uri, headers=headers, **options)
        except ResourceTooSlow as error:
            raise Nack(self.retry_nack_timeout, reason=str(error)) from error
        except InvalidSchema:
            self.logger.error(
                "Error was found when trying to process uri. Check schema",
                extra=dict(handler=self.name, uri=uri),
            )
            raise

    def get_headers(self, message: dict) -> dict:
        """
        The headers sent with the GET: the current opaque context, without the receipt handle.

        The request id and the other keys the earlier library sent (`message_id`, `uri`) still go.

        """
        context = self.opaque.as_dict()  # the live context: read it, never change it
        return {key: value for key, value in context.items() if key not in UNFORWARDED_OPAQUE_KEYS}

    def validate_changed_field(self, message: dict, resource: Any) -> None:
        """
        Nack a `changed` message whose resource does not show the announced value yet.

        Why: a read replica may lag behind the write that produced the message; retrying later
        sees the new value.

        """
        field_name = message.get("field_name")
        if not field_name or not self.nack_if_not_found:
            return
        if resource.get(field_name) != message["new_value"]:
            raise Nack(
                self.resource_nack_timeout,
                reason="Resource field value does not match message",
            )

    def convert_resource(self, resource: Any) -> Any:
        """Keep an instance of `resource_type` as is; else build `resource_type(**resource)`."""
        resource_type = self.resource_type
        if isinstance(resource_type, type) and isinstance(resource, resource_type):
            return resource
        return resource_type(**resource)

    def handle(self, message: dict, uri: str, resource: Any) -> bool:
        """Act on the resource; truthy means handled, falsy means ignored. Override it."""
        return True
