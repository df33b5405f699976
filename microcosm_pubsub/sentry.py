"""
Optional Sentry reporting for failed messages.

The `sentry_logging_pubsub` component is off unless it is enabled, has a DSN and sentry-sdk is
installed, so a service never needs Sentry to run. Events leave the process only after
`before_send` has scrubbed the local variables of every frame: handlers hold message content,
which may be personal data, while ids, reprs and URLs are what make an event useful.

In testing the client is a `MagicMock` carrying the init arguments, so suites can assert on
configuration and on `capture_exception` calls without a network or a real DSN.

"""
from dataclasses import dataclass, field
from json import loads
from logging import getLogger
from os import environ
from typing import Any, Callable, Mapping, Optional
from unittest.mock import MagicMock

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm.errors import LockedGraphError, NotBoundError
from microcosm.object_graph import ObjectGraph


try:
    import sentry_sdk
    from sentry_sdk.utils import BadDsn
except ImportError:  # sentry-sdk is an optional extra
    sentry_sdk = None
    BadDsn = ValueError


DEFAULT_TAG_MAPPING = {
    "X-Request-Id": "x-request-id",
    "message_id": "message-id",
    "media_type": "media-type",
    "span_name": "span",
    "uri": "uri",
    "handler": "handler",
}
DEFAULT_USER_ID_KEY = "X-Request-User"
REDACTED = "<redacted>"
_LOGGER = getLogger(__name__)


@dataclass
class SentryConfigPubsub:
    """What result reporting needs: whether to report, the client, and how to tag events."""

    dsn: Optional[str] = None
    enabled: bool = False
    client: Any = None
    tag_mapping: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TAG_MAPPING))
    user_id_key: Optional[str] = DEFAULT_USER_ID_KEY


def _keeps(name: str, value: Any) -> bool:
    """Whether a frame variable is safe to send as is: empty, a repr, a URL or an id."""
    if not value or name in ("self", "cls"):
        return True
    if isinstance(value, str):
        return (value.startswith("<") and value.endswith(">")) or value.startswith("http") or name.endswith("_id")
    return False


def default_before_send(event: dict[str, Any], hint: Any) -> dict[str, Any]:
    """
    Redact frame variables that may carry message content before an event leaves the process.

    Dict values keep their `*_id` keys and have every other key redacted in place.

    """
    for exception in event.get("exception", {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            variables = frame.get("vars") or {}
            for name, value in variables.items():
                if _keeps(name, value):
                    continue
                if isinstance(value, dict):
                    for key in value:
                        if not str(key).endswith("_id"):
                            value[key] = REDACTED
                    continue
                variables[name] = REDACTED
    return event


def _tag_mapping(custom: Any) -> dict[str, str]:
    """The default opaque-key-to-tag mapping updated by a custom one (a dict or a JSON object)."""
    mapping = dict(DEFAULT_TAG_MAPPING)
    if isinstance(custom, str):
        custom = loads(custom)
    mapping.update(custom or {})
    return mapping


def _before_send(graph: ObjectGraph) -> Callable[[dict, Any], Any]:
    """A bound `sentry_before_send` component wins over the default scrubber."""
    try:
        return graph.sentry_before_send
    except (NotBoundError, LockedGraphError):
        return default_before_send


def _init_kwargs(graph: ObjectGraph, dsn: str) -> dict[str, Any]:
    """Arguments for `sentry_sdk.init`, named as the earlier library named them."""
    build_info = getattr(graph.config, "build_info_convention", None)
    return dict(
        dsn=dsn,
        server_name=f"{graph.metadata.name}_daemon",
        release=getattr(build_info, "sha1", None),
        environment=environ.get("MICROCOSM_ENVIRONMENT") or "undefined",
        before_send=_before_send(graph),
    )


def _make_client(graph: ObjectGraph, dsn: str) -> Any:
    """A MagicMock in testing, else the SDK's init result; None when the DSN is rejected."""
    kwargs = _init_kwargs(graph, dsn)
    if graph.metadata.testing:
        return MagicMock(**kwargs)
    try:
        return sentry_sdk.init(**kwargs)
    except BadDsn:
        # The DSN embeds a secret key: name the setting, never its value.
        _LOGGER.warning(
            "sentry_logging_pubsub.dsn is not a valid Sentry DSN; Sentry reporting is disabled",
        )
        return None


@defaults(
    # Report FAILED and EXPIRED messages to Sentry (also needs a dsn and sentry-sdk).
    enabled=typed(boolean, default_value=False),
    # The Sentry DSN; it holds a secret, so it is never logged.
    dsn=None,
    # Extra {opaque key: tag name} pairs (dict or JSON object) added to the default mapping.
    custom_tags_mapping=None,
    # Opaque key whose value becomes the Sentry user id (None means X-Request-User).
    custom_user_id=None,
)
def configure_sentry_pubsub(graph: ObjectGraph) -> SentryConfigPubsub:
    """Build the `sentry_logging_pubsub` component; disabled unless fully configured."""
    config = graph.config.sentry_logging_pubsub
    sentry_config = SentryConfigPubsub(
        tag_mapping=_tag_mapping(config.custom_tags_mapping),
        user_id_key=config.custom_user_id or DEFAULT_USER_ID_KEY,
    )
    if not (config.enabled and config.dsn):
        return sentry_config
    if sentry_sdk is None:
        _LOGGER.warning(
            "sentry_logging_pubsub is enabled but sentry-sdk is not installed: "
            "install microcosm-pubsub[sentry]; Sentry reporting is disabled",
        )
        return sentry_config
    client = _make_client(graph, config.dsn)
    if client is not None:
        sentry_config.enabled, sentry_config.dsn, sentry_config.client = True, config.dsn, client
    return sentry_config


def report_error(sentry_config: SentryConfigPubsub, opaque: Any, exc_info: Any) -> None:
    """
    Send one failure to Sentry, tagged from the message's opaque data.

    `opaque` is a microcosm `Opaque` or a plain mapping. A client that can capture (the testing
    MagicMock, a Hub) is called directly; otherwise the SDK's global API, which `init` set up.

    """
    if not (sentry_config.enabled and exc_info):
        return
    values: Mapping[str, Any] = opaque.as_dict() if hasattr(opaque, "as_dict") else dict(opaque or {})
    tags = {tag: values.get(key) for key, tag in sentry_config.tag_mapping.items()}
    user = {"id": values.get(sentry_config.user_id_key)} if sentry_config.user_id_key else None
    capture = getattr(sentry_config.client, "capture_exception", None)
    if capture is None and sentry_sdk is not None:
        capture = sentry_sdk.capture_exception
    if capture is not None:
        capture(exc_info, tags=tags, user=user)
