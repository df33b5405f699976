"""
Route each media type to the SNS topic it is published to.

`sns_topic_arns` config: `default` (a catch-all topic), `mappings` (exact media type -> ARN) and
one nested table per lifecycle word (`created: {order: arn}`), which environment variables can
set (`NAME__SNS_TOPIC_ARNS__CREATED__ORDER=arn`) since a media type cannot be an env var name.

"""
from typing import Any, Iterator, Optional

from microcosm.api import defaults

from microcosm_pubsub.conventions import make_media_type
from microcosm_pubsub.registry import wildcard_for


def collapse_dict(dct: dict, prefix: str = "", separator: str = ".") -> Iterator[tuple[str, Any]]:
    """Flatten a nested dict into dotted keys: `{"b": {"c": "y"}}` -> `("b.c", "y")`."""
    for key, value in dct.items():
        name = f"{prefix}{separator}{key}" if prefix else key
        if isinstance(value, dict):
            yield from collapse_dict(value, name, separator)
        else:
            yield name, value


def iter_topic_mappings(dct: dict) -> Iterator[tuple[str, Any]]:
    """The (resource name, topic ARN) pairs of one lifecycle table, nested names joined by dots."""
    return collapse_dict(dct)


class TopicArns(dict):
    """
    Media type -> topic ARN: an exact mapping, else a `prefix.*` mapping, else the default topic.

    `MessageBatchSchema`'s media type never falls back: a batch must be routed on purpose.

    """

    def __init__(self, default: Optional[str], excluded_from_default: tuple[str, ...] = ()):
        super().__init__()
        self.default = default
        self.excluded_from_default = excluded_from_default

    def __missing__(self, media_type: str) -> Optional[str]:
        wildcard = wildcard_for(media_type)
        if wildcard in self.keys():
            return dict.__getitem__(self, wildcard)
        if self.default is None or media_type in self.excluded_from_default:
            raise KeyError(media_type)
        return self.default

    def get(self, media_type: str, fallback: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[media_type]
        except KeyError:
            return fallback


@defaults(
    # topic ARN for every media type that has no mapping of its own (None: no catch-all)
    default=None,
    # exact media type -> topic ARN
    mappings={},
)
def configure_sns_topic_arns(graph: Any) -> TopicArns:
    from microcosm_pubsub.batch import MessageBatchSchema

    config = graph.config.sns_topic_arns
    topic_arns = TopicArns(config.default, excluded_from_default=(MessageBatchSchema.MEDIA_TYPE,))
    topic_arns.update(config.mappings or {})
    for lifecycle_change in graph.pubsub_lifecycle_change:
        table = config.get(lifecycle_change) or {}
        for resource_name, topic_arn in iter_topic_mappings(table):
            topic_arns[make_media_type(resource_name, lifecycle_change)] = topic_arn
    return topic_arns
