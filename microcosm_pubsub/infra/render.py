"""
Plans as a readable table, for people reviewing a deploy.

"""
from typing import Any, Optional

from microcosm_pubsub.infra.plan import InfraPlan


def describe_filter(filter_policy: Optional[dict]) -> str:
    """A filter policy's values as a short text."""
    if filter_policy is None:
        return "(no filter: every media type)"
    values = next(iter(filter_policy.values()))
    return ", ".join(f"prefix {value['prefix']}" if isinstance(value, dict) else str(value) for value in values)


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as aligned columns (the last column is not padded)."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip() for row in rows]


def plan_lines(plan: InfraPlan) -> list[str]:
    """A plan as lines of text: queue, dead letters, policy, then a subscriptions table."""
    queue = plan.queue
    kind = "FIFO" if queue.fifo else "standard"
    lines = [
        f"consumer       {plan.consumer}",
        f"handles        {', '.join(plan.handled) or '(nothing)'}",
        f"queue          {queue.url or queue.name} ({kind}, visibility timeout {queue.visibility_timeout_seconds} s"
        f"{'' if queue.visibility_timeout_configured else ' unless the live one is longer'}, "
        f"heartbeat needs >= {queue.heartbeat_minimum_seconds} s)",
        f"dead letters   {queue.dead_letter_queue_name} after {queue.max_receive_count} receives "
        f"(from {queue.max_receive_count_from}), kept {queue.dead_letter_retention_seconds} s",
        f"queue policy   sns.amazonaws.com may sqs:SendMessage from {', '.join(plan.topics) or '(no topic)'}",
        "subscriptions",
    ]
    rows: list[tuple[str, ...]] = [("  TOPIC", "DELIVERY", "HANDLED TYPES ROUTED HERE", "FILTER ON media_type")]
    for subscription in plan.subscriptions:
        rows.append((f"  {subscription.topic_arn}", "raw" if subscription.raw_message_delivery else "SNS-wrapped",
                     ", ".join(subscription.media_types), describe_filter(subscription.filter_policy)))
    lines += table(rows) if plan.subscriptions else ["  (none)"]
    lines += [f"warning: {warning}" for warning in plan.warnings]
    return lines


def report_lines(report: Any) -> list[str]:
    """What apply did (or would do), then its notes."""
    verb = "would" if report.dry_run else "did"
    lines = [f"{verb}: {change}" for change in report.changes] or ["no changes"]
    return lines + [f"note: {note}" for note in report.notes]
