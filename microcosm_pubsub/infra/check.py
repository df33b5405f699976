"""
Compare the live account with a plan: one line per drift, each naming its fix.

An empty list means the account delivers exactly what the consumer handles, with the dead-letter
queue, redrive count, visibility timeout and queue policy its config asks for; `pubsub infra
check` exits non-zero otherwise, so a deploy pipeline can stop on it.

"""
from typing import Any

from microcosm_pubsub.infra.apply import redrive_differs, required_visibility
from microcosm_pubsub.infra.live import LiveQueue, LiveState, LiveSubscription, read_live
from microcosm_pubsub.infra.plan import InfraPlan
from microcosm_pubsub.infra.policies import admits, allows, unhandled_values
from microcosm_pubsub.registry import CATCH_ALL


APPLY = "run `pubsub infra apply`"


def check_plan(plan: InfraPlan, sqs: Any, sns: Any) -> list[str]:
    """The drifts between the account and the plan (read-only calls only)."""
    return drifts(plan, read_live(plan, sqs, sns))


def drifts(plan: InfraPlan, live: LiveState) -> list[str]:
    """The drifts between a plan and an already read live state."""
    found = list(plan.warnings)
    found += [f"topic {topic} does not exist: {APPLY} (it creates topics too) or deploy the producer that owns it"
              for topic in live.missing_topics]
    if live.queue is None:
        return found + [f"queue {plan.queue.name} does not exist: {APPLY}"]
    found += queue_drifts(plan, live.queue, live)
    found += delivery_drifts(plan, live)
    for subscription in live.subscriptions:
        found += subscription_drifts(plan, subscription)
    return found


def queue_drifts(plan: InfraPlan, queue: LiveQueue, live: LiveState) -> list[str]:
    """Dead-letter queue and redrive count, visibility timeout, queue policy."""
    name, found = plan.queue.name, []
    redrive = queue.redrive_policy
    if not redrive:
        found.append(f"queue {name} has no dead-letter queue: {APPLY} (dead letters to "
                     f"{plan.queue.dead_letter_queue_name} after {plan.queue.max_receive_count} receives)")
    elif live.dead_letter_queue is None:
        found.append(f"dead-letter queue {redrive.get('deadLetterTargetArn')} of queue {name} does not exist: {APPLY}")
    elif redrive_differs(redrive, live.dead_letter_queue.arn, plan.queue.max_receive_count):
        found.append(f"queue {name} redrives after {redrive.get('maxReceiveCount')} receives, the config says "
                     f"{plan.queue.max_receive_count} ({plan.queue.max_receive_count_from}): {APPLY}")
    visibility = int(queue.attributes.get("VisibilityTimeout", 30))
    wanted = required_visibility(plan, visibility)
    if wanted is not None:
        reason = ("the daemon's heartbeat assumes sqs_consumer.visibility_timeout_seconds = "
                  f"{plan.queue.visibility_timeout_seconds} s") if plan.queue.visibility_timeout_configured else \
            f"the heartbeat needs at least {plan.queue.heartbeat_minimum_seconds} s to extend it in time"
        found.append(f"queue {name} has visibility timeout {visibility} s, but {reason}: {APPLY} (sets {wanted} s)")
    found += [f"the policy of queue {name} blocks topic {topic} (SNS may not sqs:SendMessage from it): {APPLY}"
              for topic in plan.topics if not allows(queue.policy, queue.arn, topic)]
    return found


def delivery_drifts(plan: InfraPlan, live: LiveState) -> list[str]:
    """Handled media types that no subscription delivers, or whose filter policy drops them."""
    found = []
    for planned in plan.subscriptions:
        subscriptions = live.subscriptions_of(planned.topic_arn)
        for media_type in planned.media_types:
            what = "every media type" if media_type == CATCH_ALL else f"media type {media_type}"
            if not subscriptions:
                found.append(f"{what} is published to topic {planned.topic_arn}, but no "
                             f"subscription delivers it to queue {plan.queue.name}: {APPLY}")
            elif not any(delivers(subscription, media_type) for subscription in subscriptions):
                found.append(f"the filter policy of subscription {subscriptions[0].arn} (topic {planned.topic_arn}) "
                             f"drops {what}, which the consumer handles: {APPLY}")
    return found


def delivers(subscription: LiveSubscription, media_type: str) -> bool:
    """Whether a subscription delivers every message of a handled media type."""
    scoped = subscription.filter_policy is None or subscription.scope == "MessageAttributes"
    return scoped and admits(subscription.filter_policy, media_type)


def subscription_drifts(plan: InfraPlan, subscription: LiveSubscription) -> list[str]:
    """Subscriptions delivering what nobody handles, or in the wrong format."""
    planned = next((p for p in plan.subscriptions if p.topic_arn == subscription.topic_arn), None)
    if planned is None:
        return [f"subscription {subscription.arn} delivers from topic {subscription.topic_arn}, which none of the "
                "handled media types route to (its messages are IGNORED): `pubsub infra apply --prune` removes it"]
    found = []
    extra = unhandled_values(subscription.filter_policy, plan.handled)
    if extra:
        found.append(f"subscription {subscription.arn} (topic {subscription.topic_arn}) delivers media types "
                     f"nobody handles ({', '.join(extra)}): {APPLY} to narrow its filter policy")
    if subscription.raw_message_delivery != planned.raw_message_delivery:
        wanted = "raw" if planned.raw_message_delivery else "SNS-wrapped"
        found.append(f"subscription {subscription.arn} delivers "
                     f"{'raw' if subscription.raw_message_delivery else 'SNS-wrapped'} messages, the config says "
                     f"{wanted} (pubsub_infra.raw_message_delivery): {APPLY}")
    return found
