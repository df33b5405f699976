"""
The account as it is now, for one plan: read-only calls only (Get*, List*).

"""
from dataclasses import dataclass, field
from json import loads
from typing import Any, Optional

from microcosm_pubsub.infra.aws import arn_name, call, find
from microcosm_pubsub.infra.plan import InfraPlan


@dataclass
class LiveQueue:
    """A queue that exists, with all its attributes."""

    url: str
    attributes: dict

    @property
    def arn(self) -> str:
        """The queue's ARN."""
        return self.attributes["QueueArn"]

    @property
    def redrive_policy(self) -> Optional[dict]:
        """The parsed RedrivePolicy, or None."""
        text = self.attributes.get("RedrivePolicy")
        return loads(text) if text else None

    @property
    def policy(self) -> dict:
        """The parsed queue policy ({} when there is none)."""
        text = self.attributes.get("Policy")
        return loads(text) if text else {}


@dataclass
class LiveSubscription:
    """A subscription of some topic to the plan's queue."""

    arn: str
    topic_arn: str
    attributes: dict

    @property
    def filter_policy(self) -> Optional[dict]:
        """The `media_type`-relevant filter (None: everything is delivered)."""
        text = self.attributes.get("FilterPolicy")
        policy = loads(text) if text else None
        return policy or None

    @property
    def raw_message_delivery(self) -> bool:
        """Whether SNS delivers the bare message instead of its envelope."""
        return self.attributes.get("RawMessageDelivery", "false").lower() == "true"

    @property
    def scope(self) -> str:
        """What the filter policy applies to (SNS's default: message attributes)."""
        return self.attributes.get("FilterPolicyScope") or "MessageAttributes"


@dataclass
class LiveState:
    """The plan's queue, dead-letter queue, topics and subscriptions as the account has them."""

    queue: Optional[LiveQueue]
    dead_letter_queue: Optional[LiveQueue]
    missing_topics: list[str] = field(default_factory=list)
    subscriptions: list[LiveSubscription] = field(default_factory=list)

    def subscriptions_of(self, topic_arn: str) -> list[LiveSubscription]:
        """The live subscriptions of one topic to the queue."""
        return [subscription for subscription in self.subscriptions if subscription.topic_arn == topic_arn]


def read_queue(sqs: Any, name: str, url: Optional[str] = None, owner: Optional[str] = None) -> Optional[LiveQueue]:
    """A queue by URL or name, or None when it does not exist."""
    if url is None:
        kwargs = dict(QueueName=name, **({"QueueOwnerAWSAccountId": owner} if owner else {}))
        found = find(sqs, "GetQueueUrl", f"queue {name}", **kwargs)
        if found is None:
            return None
        url = found["QueueUrl"]
    attributes = find(sqs, "GetQueueAttributes", f"queue {name}", QueueUrl=url, AttributeNames=["All"])
    return None if attributes is None else LiveQueue(url=url, attributes=attributes.get("Attributes", {}))


def read_dead_letter_queue(sqs: Any, plan: InfraPlan, queue: Optional[LiveQueue]) -> Optional[LiveQueue]:
    """The queue's redrive target if it has one, else the planned dead-letter queue if it exists."""
    redrive = queue.redrive_policy if queue else None
    if redrive and redrive.get("deadLetterTargetArn"):
        arn = redrive["deadLetterTargetArn"]
        return read_queue(sqs, arn_name(arn), owner=arn.split(":")[4] or None)
    return read_queue(sqs, plan.queue.dead_letter_queue_name)


def list_all(client: Any, operation: str, key: str, resource: str, **kwargs: Any) -> list[dict]:
    """Every page of a NextToken-paginated list call."""
    items: list[dict] = []
    while True:
        page = call(client, operation, resource, **kwargs)
        items.extend(page.get(key, []))
        if not page.get("NextToken"):
            return items
        kwargs["NextToken"] = page["NextToken"]


def read_subscriptions(sns: Any, queue_arn: str) -> list[LiveSubscription]:
    """Every confirmed SNS subscription whose endpoint is the queue, on any topic."""
    subscriptions = []
    for entry in list_all(sns, "ListSubscriptions", "Subscriptions", "the account's SNS subscriptions"):
        if entry.get("Endpoint") != queue_arn or entry.get("Protocol") != "sqs":
            continue
        if not entry["SubscriptionArn"].startswith("arn:"):
            continue  # PendingConfirmation
        attributes = find(sns, "GetSubscriptionAttributes", f"subscription {entry['SubscriptionArn']}",
                          SubscriptionArn=entry["SubscriptionArn"])
        if attributes is not None:
            subscriptions.append(LiveSubscription(entry["SubscriptionArn"], entry["TopicArn"],
                                                  attributes.get("Attributes", {})))
    return subscriptions


def read_live(plan: InfraPlan, sqs: Any, sns: Any) -> LiveState:
    """Everything `apply` and `check` compare with the plan."""
    queue = read_queue(sqs, plan.queue.name, plan.queue.url)
    state = LiveState(queue=queue, dead_letter_queue=read_dead_letter_queue(sqs, plan, queue))
    state.missing_topics = [topic for topic in plan.topics
                            if find(sns, "GetTopicAttributes", f"topic {topic}", TopicArn=topic) is None]
    if queue is not None:
        state.subscriptions = read_subscriptions(sns, queue.arn)
    return state
