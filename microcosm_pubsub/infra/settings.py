"""
Configuration of `pubsub infra`: the `pubsub_infra` section, beside the daemon's own config.

Most of what a plan needs is read from the keys the daemon already uses (`sns_topic_arns`,
`sqs_consumer.sqs_queue_url`, `sqs_consumer.visibility_timeout_seconds`,
`sqs_message_dispatcher.message_max_processing_attempts`); this section holds only what the
daemon itself never needs:

| key | default | meaning |
|---|---|---|
| `queue_name` | None | the queue to create when `sqs_queue_url` is not set (None: the daemon's name) |
| `dead_letter_queue_name` | None | None: `<queue>-dlq` (`<queue>-dlq.fifo` for a FIFO queue) |
| `max_receive_count` | 5 | redrive count when `message_max_processing_attempts` is not set |
| `visibility_timeout_seconds` | 30 | queue visibility when `sqs_consumer.visibility_timeout_seconds` is not set |
| `dead_letter_retention_seconds` | 1209600 | how long the DLQ keeps a message (14 days, the SQS maximum) |
| `raw_message_delivery` | False | subscriptions deliver the bare message instead of the SNS envelope |
| `fifo` | None | None: FIFO when the queue name ends in `.fifo` |

"""
from dataclasses import dataclass
from typing import Any, Optional

from microcosm.api import binding, defaults, typed
from microcosm.config.types import boolean


@dataclass(frozen=True)
class InfraSettings:
    """The `pubsub_infra` keys, typed."""

    queue_name: Optional[str]
    dead_letter_queue_name: Optional[str]
    max_receive_count: int
    visibility_timeout_seconds: int
    dead_letter_retention_seconds: int
    raw_message_delivery: bool
    fifo: Optional[bool]


@binding("pubsub_infra")
@defaults(
    # queue to create when sqs_consumer.sqs_queue_url is not set (None: the daemon's name)
    queue_name=None,
    # dead-letter queue name (None: <queue>-dlq, with .fifo for FIFO queues)
    dead_letter_queue_name=None,
    # redrive maxReceiveCount when sqs_message_dispatcher.message_max_processing_attempts is unset
    max_receive_count=typed(int, default_value=5),
    # queue visibility timeout when sqs_consumer.visibility_timeout_seconds is unset
    visibility_timeout_seconds=typed(int, default_value=30),
    # seconds the dead-letter queue keeps a message (SQS maximum: 14 days)
    dead_letter_retention_seconds=typed(int, default_value=1209600),
    # deliver the bare message body instead of the SNS notification envelope
    raw_message_delivery=typed(boolean, default_value=False),
    # FIFO queue (None: when the queue name ends in .fifo)
    fifo=None,
)
def configure_pubsub_infra(graph: Any) -> InfraSettings:
    """The `pubsub_infra` section, typed (see the module docstring)."""
    config = graph.config.pubsub_infra
    fifo = config.fifo
    return InfraSettings(
        queue_name=config.queue_name or None,
        dead_letter_queue_name=config.dead_letter_queue_name or None,
        max_receive_count=int(config.max_receive_count),
        visibility_timeout_seconds=int(config.visibility_timeout_seconds),
        dead_letter_retention_seconds=int(config.dead_letter_retention_seconds),
        raw_message_delivery=bool(config.raw_message_delivery),
        fifo=None if fifo is None else boolean(fifo) if isinstance(fifo, str) else bool(fifo),
    )
