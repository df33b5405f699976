"""
PyHamcrest matchers for the messages a producer published, for use in tests.

PyHamcrest is a test dependency (`microcosm-pubsub[test]`), not a runtime one: the rest of the
package imports without it, and this package says how to get it when it is missing.

"""
try:
    import hamcrest  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "microcosm_pubsub.matchers needs PyHamcrest: pip install PyHamcrest "
        "(or microcosm-pubsub[test])",
    ) from error

from microcosm_pubsub.matchers.message import (
    PublishedMessage,
    PublishedMessageMatcher,
    has_media_type,
    has_uri,
)
from microcosm_pubsub.matchers.publishing import (
    PublishingMatcher,
    published,
    published_inanyorder,
    published_messages_for,
    published_nothing,
)


__all__ = [
    "PublishedMessage",
    "PublishedMessageMatcher",
    "PublishingMatcher",
    "has_media_type",
    "has_uri",
    "published",
    "published_inanyorder",
    "published_messages_for",
    "published_nothing",
]
