"""
What a consumer needs from the account, computed from its bound handlers and its config.

A plan is one queue, its dead-letter queue and redrive policy, one subscription per topic that a
handled media type routes to (`sns_topic_arns`), each filtered on the `media_type` message
attribute to exactly what the consumer handles, and a queue policy letting those topics send.

Why every subscription carries the whole filter: a producer with other routing may publish a
handled type to another of the consumer's topics; it should still arrive. A wildcard `a.b.*`
becomes the prefix `a.b.`, which SNS also matches for `a.b.c.d`: such a message reaches the
queue and is IGNORED (deleted) by the dispatcher, since SNS has no "one more segment" match.

"""
from dataclasses import asdict, dataclass
from json import dumps
from math import ceil
from re import sub
from typing import Any, Iterable, Optional

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.infra.settings import configure_pubsub_infra
from microcosm_pubsub.limits import SNS_MAX_FILTER_POLICY_VALUES
from microcosm_pubsub.registry import CATCH_ALL


MEDIA_TYPE_ATTRIBUTE = "media_type"
POLICY_SID = "microcosm-pubsub-sns-delivery"
# the heartbeat's extension must land before expiry: vt/2 + vt/10 + flush + this round trip < vt
HEARTBEAT_ROUND_TRIP_SECONDS = 1.0


@dataclass(frozen=True)
class QueuePlan:
    """The consumer's queue and its dead-letter queue."""

    name: str
    url: Optional[str]
    fifo: bool
    visibility_timeout_seconds: int
    heartbeat_minimum_seconds: int
    visibility_timeout_configured: bool
    dead_letter_queue_name: str
    max_receive_count: int
    max_receive_count_from: str
    dead_letter_retention_seconds: int


@dataclass(frozen=True)
class SubscriptionPlan:
    """One topic's subscription to the queue."""

    topic_arn: str
    media_types: tuple[str, ...]
    filter_policy: Optional[dict]
    raw_message_delivery: bool

    def attributes(self) -> dict[str, str]:
        """The subscription attributes, as SNS spells them (no filter policy: the key is absent)."""
        attributes = {"RawMessageDelivery": "true" if self.raw_message_delivery else "false"}
        if self.filter_policy is not None:
            attributes.update(FilterPolicy=dumps(self.filter_policy), FilterPolicyScope="MessageAttributes")
        return attributes


@dataclass(frozen=True)
class InfraPlan:
    """Everything `apply` creates and `check` compares."""

    consumer: str
    handled: tuple[str, ...]
    queue: QueuePlan
    subscriptions: tuple[SubscriptionPlan, ...]
    unrouted: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def topics(self) -> list[str]:
        """The topics the queue subscribes to."""
        return [subscription.topic_arn for subscription in self.subscriptions]

    def policy_statement(self, queue_arn: str) -> dict:
        """The queue policy statement this plan owns: SNS may send from the plan's topics only."""
        return {
            "Sid": POLICY_SID,
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": sorted(self.topics)}},
        }

    def to_dict(self) -> dict:
        """The plan as plain data (for --json)."""
        return asdict(self)


def is_wildcard(media_type: str) -> bool:
    """Whether a bound media type is a `prefix.*` wildcard."""
    return media_type.endswith(".*")


def filter_policy(handled: Iterable[str]) -> Optional[dict]:
    """`{"media_type": [exact..., {"prefix": ...}...]}`; None when everything is handled."""
    handled = set(handled)
    if CATCH_ALL in handled:
        return None
    prefixes = sorted(media_type[:-1] for media_type in handled if is_wildcard(media_type))
    exact = sorted(media_type for media_type in handled
                   if not is_wildcard(media_type) and not any(media_type.startswith(p) for p in prefixes))
    values: list[Any] = [*exact, *({"prefix": prefix} for prefix in prefixes)]
    if len(values) > SNS_MAX_FILTER_POLICY_VALUES:
        raise ConfigurationError(
            f"the consumer handles {len(values)} media types; an SNS filter policy holds at most "
            f"{SNS_MAX_FILTER_POLICY_VALUES}: bind a wildcard (@handles('prefix.*')) for a family of types"
        )
    return {MEDIA_TYPE_ATTRIBUTE: values}


def topics_for(media_type: str, topic_arns: Any) -> set[str]:
    """The topics a handled media type (exact, `prefix.*`, or the catch-all) is published to."""
    if media_type == CATCH_ALL:
        return {arn for arn in [topic_arns.default, *topic_arns.values()] if arn}
    if not is_wildcard(media_type):
        arn = topic_arns.get(media_type)
        return {arn} if arn else set()
    prefix = media_type[:-1]
    topics = {arn for key, arn in topic_arns.items()
              if arn and (key == media_type or (key.startswith(prefix) and "." not in key[len(prefix):]))}
    if media_type not in topic_arns.keys() and topic_arns.default:
        topics.add(topic_arns.default)
    return topics


def queue_name_from(url: Optional[str], settings: Any, consumer: str, fifo: Optional[bool]) -> tuple[str, bool]:
    """The queue's name (URL, else `queue_name`, else the consumer's name) and whether it is FIFO."""
    name = url.rstrip("/").rsplit("/", 1)[-1] if url else settings.queue_name or sub(r"[^A-Za-z0-9_-]", "-", consumer)
    is_fifo = name.endswith(".fifo") if fifo is None else fifo
    if is_fifo and not name.endswith(".fifo"):
        name = f"{name[:75]}.fifo"
    return name, is_fifo


def heartbeat_minimum(flush_interval_seconds: float) -> int:
    """The shortest visibility timeout the engine's heartbeat can keep extending in time."""
    return ceil((flush_interval_seconds + HEARTBEAT_ROUND_TRIP_SECONDS) / 0.4)


def make_queue_plan(graph: Any, consumer: str) -> QueuePlan:
    """The queue part of a plan, from `sqs_consumer`, the dispatcher and `pubsub_infra`."""
    settings = configure_pubsub_infra(graph)
    sqs_config = graph.config.sqs_consumer
    url = sqs_config.sqs_queue_url if str(sqs_config.sqs_queue_url or "").startswith("http") else None
    name, fifo = queue_name_from(url, settings, consumer, settings.fifo)
    base = name[:-len(".fifo")] if fifo else name
    attempts = graph.config.sqs_message_dispatcher.message_max_processing_attempts
    configured_visibility = sqs_config.visibility_timeout_seconds
    return QueuePlan(
        name=name,
        url=url,
        fifo=fifo,
        visibility_timeout_seconds=int(configured_visibility or settings.visibility_timeout_seconds),
        heartbeat_minimum_seconds=heartbeat_minimum(float(sqs_config.flush_interval_seconds)),
        visibility_timeout_configured=bool(configured_visibility),
        dead_letter_queue_name=settings.dead_letter_queue_name
        or (f"{base[:71]}-dlq.fifo" if fifo else f"{base[:76]}-dlq"),
        max_receive_count=int(attempts or settings.max_receive_count),
        max_receive_count_from="sqs_message_dispatcher.message_max_processing_attempts" if attempts
        else "pubsub_infra.max_receive_count",
        dead_letter_retention_seconds=settings.dead_letter_retention_seconds,
    )


def make_plan(consumer: Any) -> InfraPlan:
    """The plan for a built `Consumer` (see `infra.target`)."""
    from microcosm_pubsub.topics import configure_sns_topic_arns

    graph = consumer.graph
    topic_arns = configure_sns_topic_arns(graph)
    handled = tuple(sorted(consumer.bound_handlers))
    queue = make_queue_plan(graph, consumer.name)
    routes = {media_type: topics_for(media_type, topic_arns) for media_type in handled}
    policy = filter_policy(handled)
    raw = configure_pubsub_infra(graph).raw_message_delivery
    subscriptions = tuple(
        SubscriptionPlan(topic_arn=topic, media_types=tuple(t for t in handled if topic in routes[t]),
                         filter_policy=policy, raw_message_delivery=raw)
        for topic in sorted(set().union(*routes.values()))
    )
    unrouted = tuple(media_type for media_type in handled if not routes[media_type])
    return InfraPlan(consumer=consumer.name, handled=handled, queue=queue, subscriptions=subscriptions,
                     unrouted=unrouted, warnings=plan_warnings(queue, unrouted, handled))


def plan_warnings(queue: QueuePlan, unrouted: tuple[str, ...], handled: tuple[str, ...]) -> tuple[str, ...]:
    """Config problems no account change can fix; `check` reports them as drifts too."""
    warnings = [
        f"media type {media_type} routes to no topic, so nothing can deliver it: set "
        f"sns_topic_arns.mappings[{media_type!r}] or sns_topic_arns.default in the consumer's config"
        for media_type in unrouted
    ]
    if not handled:
        warnings.append("the consumer handles no media type: list its handler components in `components`")
    if queue.visibility_timeout_seconds < queue.heartbeat_minimum_seconds:
        warnings.append(
            f"visibility timeout {queue.visibility_timeout_seconds} s is shorter than the heartbeat needs "
            f"({queue.heartbeat_minimum_seconds} s): raise sqs_consumer.visibility_timeout_seconds"
        )
    return tuple(warnings)
