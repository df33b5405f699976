"""
Canonical names for resources and the media types that announce their changes.

"""
from inspect import isclass
from typing import Any, Optional

from inflection import underscore

from microcosm_pubsub.conventions.lifecycle import LifecycleChange


DEFAULT_ORGANIZATION = "globality"


def name_for(obj: Any) -> str:
    """
    The snake_case name of a resource: a string, a class, or an instance.

    A class may override its name with `__alias__`; dotted names keep their dots
    (`FooBar.ThisThat` -> `foo_bar.this_that`).

    """
    if isinstance(obj, str):
        return underscore(obj)
    cls = obj if isclass(obj) else type(obj)
    return underscore(getattr(cls, "__alias__", cls.__name__))


def make_media_type(
    resource: Any,
    lifecycle_change: Optional[str] = None,
    organization: Optional[str] = None,
    public: bool = False,
) -> str:
    """
    The media type announcing `lifecycle_change` of `resource`.

    `application/vnd.<org>.pubsub._.<change>.<name>`; public messages leave out the `._` segment.

    """
    change = lifecycle_change or LifecycleChange.Created
    channel = "pubsub" if public else "pubsub._"
    return f"application/vnd.{organization or DEFAULT_ORGANIZATION}.{channel}.{change}.{name_for(resource)}"
