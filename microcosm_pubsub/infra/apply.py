"""
Make the account match a plan: create what is missing, update what differs, nothing else.

Every write is decided by comparing with the live state first, so a second apply reads and
writes nothing. Queues and topics are never deleted; a subscription the plan no longer needs is
removed only with `prune`.

"""
from dataclasses import dataclass, field
from json import dumps
from typing import Any, Optional

from microcosm_pubsub.infra.aws import InfraError, arn_name, call
from microcosm_pubsub.infra.live import LiveQueue, LiveState, LiveSubscription, read_live, read_queue
from microcosm_pubsub.infra.plan import POLICY_SID, InfraPlan, SubscriptionPlan


@dataclass
class ApplyReport:
    """What apply changed (or, in a dry run, would change), and what it left alone on purpose."""

    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def required_visibility(plan: InfraPlan, live: int) -> Optional[int]:
    """The visibility timeout to set, or None when the live one serves the daemon."""
    queue = plan.queue
    if queue.visibility_timeout_configured:
        return None if live == queue.visibility_timeout_seconds else queue.visibility_timeout_seconds
    if live >= queue.heartbeat_minimum_seconds:
        return None
    return max(queue.visibility_timeout_seconds, queue.heartbeat_minimum_seconds)


def redrive_differs(live: Optional[dict], dead_letter_arn: str, max_receive_count: int) -> bool:
    """Whether the live redrive policy has another target or count than planned."""
    return not live or live.get("deadLetterTargetArn") != dead_letter_arn or \
        int(live.get("maxReceiveCount", 0)) != max_receive_count


class Applier:
    """One apply run: each write goes through `write`, which a dry run only records."""

    def __init__(self, plan: InfraPlan, sqs: Any, sns: Any, prune: bool = False, dry_run: bool = False):
        self.plan, self.sqs, self.sns = plan, sqs, sns
        self.prune = prune
        self.report = ApplyReport(dry_run=dry_run)

    def write(self, description: str, client: Any, operation: str, resource: str, **kwargs: Any) -> dict:
        """Make (or, in a dry run, only record) one write call, described for the report."""
        self.report.changes.append(description)
        return {} if self.report.dry_run else call(client, operation, resource, **kwargs)

    def run(self) -> ApplyReport:
        """Topics, then the dead-letter queue, the queue and its attributes, then subscriptions."""
        live = read_live(self.plan, self.sqs, self.sns)
        for topic in live.missing_topics:
            self.create_topic(topic)
        dead_letter_arn = self.ensure_dead_letter_queue(live.dead_letter_queue)
        queue = live.queue or self.create_queue(dead_letter_arn)
        queue_arn = queue.arn if queue else f"(new queue {self.plan.queue.name})"
        if queue is not None:
            self.update_queue(queue, dead_letter_arn)
        for subscription in self.plan.subscriptions:
            self.ensure_subscription(subscription, live.subscriptions_of(subscription.topic_arn), queue_arn)
        self.handle_stale(live)
        return self.report

    def create_topic(self, topic_arn: str) -> None:
        """Create a topic the config names; its ARN must come out as configured."""
        name = arn_name(topic_arn)
        attributes = {"FifoTopic": "true"} if name.endswith(".fifo") else {}
        created = self.write(f"create topic {topic_arn}", self.sns, "CreateTopic", f"topic {topic_arn}",
                             Name=name, Attributes=attributes)
        if created and created.get("TopicArn") != topic_arn:
            raise InfraError(f"topic {topic_arn} belongs to another account or region than these credentials "
                             f"(created {created.get('TopicArn')}): create it there, or fix sns_topic_arns")

    def ensure_dead_letter_queue(self, live: Optional[LiveQueue]) -> str:
        """The dead-letter queue's ARN, creating the planned one when there is none."""
        queue = self.plan.queue
        if live is not None:
            return live.arn
        attributes = {"MessageRetentionPeriod": str(queue.dead_letter_retention_seconds),
                      **({"FifoQueue": "true"} if queue.fifo else {})}
        self.write(f"create dead-letter queue {queue.dead_letter_queue_name}", self.sqs, "CreateQueue",
                   f"queue {queue.dead_letter_queue_name}", QueueName=queue.dead_letter_queue_name,
                   Attributes=attributes)
        if self.report.dry_run:
            return f"(new queue {queue.dead_letter_queue_name})"
        return read_queue(self.sqs, queue.dead_letter_queue_name).arn  # type: ignore[union-attr]

    def create_queue(self, dead_letter_arn: str) -> Optional[LiveQueue]:
        """Create the queue with its visibility timeout and redrive policy; its policy follows."""
        queue = self.plan.queue
        attributes = {
            "VisibilityTimeout": str(max(queue.visibility_timeout_seconds, queue.heartbeat_minimum_seconds)
                                     if not queue.visibility_timeout_configured else queue.visibility_timeout_seconds),
            "RedrivePolicy": dumps({"deadLetterTargetArn": dead_letter_arn,
                                    "maxReceiveCount": queue.max_receive_count}),
            **({"FifoQueue": "true"} if queue.fifo else {}),
        }
        self.write(f"create queue {queue.name} (visibility {attributes['VisibilityTimeout']} s, dead letters to "
                   f"{queue.dead_letter_queue_name} after {queue.max_receive_count} receives)",
                   self.sqs, "CreateQueue", f"queue {queue.name}", QueueName=queue.name, Attributes=attributes)
        if self.report.dry_run:
            self.report.changes.append(
                f"set the policy of queue {queue.name}: SNS may send from {', '.join(self.plan.topics)}")
            return None
        created = read_queue(self.sqs, queue.name)
        if queue.url and created and created.url != queue.url:
            self.report.notes.append(
                f"created {created.url}, but sqs_consumer.sqs_queue_url is {queue.url}: fix the config")
        return created

    def update_queue(self, live: LiveQueue, dead_letter_arn: str) -> None:
        """One SetQueueAttributes with whatever differs: visibility, redrive, policy."""
        queue, changes = self.plan.queue, {}
        visibility = required_visibility(self.plan, int(live.attributes.get("VisibilityTimeout", 30)))
        if visibility is not None:
            changes["VisibilityTimeout"] = str(visibility)
        if redrive_differs(live.redrive_policy, dead_letter_arn, queue.max_receive_count):
            changes["RedrivePolicy"] = dumps({"deadLetterTargetArn": dead_letter_arn,
                                              "maxReceiveCount": queue.max_receive_count})
        policy = self.merged_policy(live)
        if policy is not None:
            changes["Policy"] = dumps(policy)
        elif changes and live.attributes.get("Policy"):
            # moto (5.2.5) drops a queue's policy on any SetQueueAttributes that omits it
            changes["Policy"] = live.attributes["Policy"]
        if changes:
            self.write(f"set {', '.join(sorted(set(changes) - {'Policy'} if policy is None else changes))} "
                       f"of queue {queue.name}", self.sqs, "SetQueueAttributes",
                       f"queue {queue.name}", QueueUrl=live.url, Attributes=changes)

    def merged_policy(self, live: LiveQueue) -> Optional[dict]:
        """The live policy with this plan's statement in place; None when it is already there."""
        if not self.plan.topics:
            return None
        wanted = self.plan.policy_statement(live.arn)
        policy = dict(live.policy)
        statements = policy.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        if wanted in statements:
            return None
        others = [statement for statement in statements if statement.get("Sid") != POLICY_SID]
        return {"Version": "2012-10-17", **policy, "Statement": [*others, wanted]}

    def ensure_subscription(self, plan: SubscriptionPlan, live: list[LiveSubscription], queue_arn: str) -> None:
        """Subscribe the queue to the topic, or set the attributes that differ."""
        if not live:
            self.write(f"subscribe queue {self.plan.queue.name} to topic {plan.topic_arn}", self.sns, "Subscribe",
                       f"topic {plan.topic_arn}", TopicArn=plan.topic_arn, Protocol="sqs", Endpoint=queue_arn,
                       Attributes=plan.attributes(), ReturnSubscriptionArn=True)
            return
        for subscription in live:
            for name, value in subscription_updates(plan, subscription):
                self.write(f"set {name} of subscription {subscription.arn}", self.sns, "SetSubscriptionAttributes",
                           f"subscription {subscription.arn}", SubscriptionArn=subscription.arn,
                           AttributeName=name, AttributeValue=value)

    def handle_stale(self, live: LiveState) -> None:
        """Subscriptions from topics the plan does not need: unsubscribed with prune, else noted."""
        for subscription in live.subscriptions:
            if subscription.topic_arn in self.plan.topics:
                continue
            if self.prune:
                self.write(f"unsubscribe {subscription.arn} "
                           f"(topic {subscription.topic_arn}: nothing handled routes there)",
                           self.sns, "Unsubscribe", f"subscription {subscription.arn}",
                           SubscriptionArn=subscription.arn)
            else:
                self.report.notes.append(f"kept subscription {subscription.arn} from topic {subscription.topic_arn}, "
                                         "which nothing handled routes to: pass --prune to remove it")


def subscription_updates(plan: SubscriptionPlan, live: LiveSubscription) -> list[tuple[str, str]]:
    """The (attribute, value) pairs to set, scope before policy (SNS checks a policy against it)."""
    updates = []
    if plan.filter_policy is not None and live.scope != "MessageAttributes":
        updates.append(("FilterPolicyScope", "MessageAttributes"))
    if live.filter_policy != plan.filter_policy:
        updates.append(("FilterPolicy", dumps(plan.filter_policy) if plan.filter_policy else ""))
    if live.raw_message_delivery != plan.raw_message_delivery:
        updates.append(("RawMessageDelivery", "true" if plan.raw_message_delivery else "false"))
    return updates


def apply_plan(plan: InfraPlan, sqs: Any, sns: Any, prune: bool = False, dry_run: bool = False) -> ApplyReport:
    """Create or update the account to match the plan; see the module docstring."""
    return Applier(plan, sqs, sns, prune=prune, dry_run=dry_run).run()
