"""
The lifecycle changes that convention-named media types announce.

"""
from typing import Any


class LifecycleChange(set):
    """
    The live set of lifecycle words (`created`, `changed`, `deleted`, ...).

    It is a graph component (`pubsub_lifecycle_change`) and a set, so services can `.add()` their
    own words and the schema registry auto-registers media types that carry them at once.

    """
    Changed = "changed"
    Created = "created"
    Deleted = "deleted"

    def __init__(self, graph: Any = None):
        super().__init__([self.Changed, self.Created, self.Deleted])

    def matches(self, media_type: str) -> bool:
        """Whether any dot-separated segment of the media type is a lifecycle word."""
        return any(part in self for part in media_type.split("."))
