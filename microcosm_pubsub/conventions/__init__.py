"""
Convention-named media types and the schemas that go with them.

`created("order")` is `application/vnd.globality.pubsub._.created.order`.

"""
from functools import partial
from typing import Any, Callable

from microcosm_pubsub.conventions.lifecycle import LifecycleChange
from microcosm_pubsub.conventions.messages import (
    ChangedURIMessageSchema,
    IdentityMessageSchema,
    URIMessageSchema,
)
from microcosm_pubsub.conventions.naming import make_media_type, name_for


def media_type(lifecycle_change: str) -> Callable[..., str]:
    """A media type builder for any lifecycle word: `media_type("archived")("order")`."""
    return partial(make_media_type, lifecycle_change=lifecycle_change)


def created(resource: Any, **kwargs: Any) -> str:
    """The media type announcing that `resource` was created."""
    return make_media_type(resource, lifecycle_change=LifecycleChange.Created, **kwargs)


def changed(resource: Any, **kwargs: Any) -> str:
    """The media type announcing that `resource` changed."""
    return make_media_type(resource, lifecycle_change=LifecycleChange.Changed, **kwargs)


def deleted(resource: Any, **kwargs: Any) -> str:
    """The media type announcing that `resource` was deleted."""
    return make_media_type(resource, lifecycle_change=LifecycleChange.Deleted, **kwargs)


__all__ = [
    "ChangedURIMessageSchema",
    "IdentityMessageSchema",
    "LifecycleChange",
    "URIMessageSchema",
    "changed",
    "created",
    "deleted",
    "make_media_type",
    "media_type",
    "name_for",
]
