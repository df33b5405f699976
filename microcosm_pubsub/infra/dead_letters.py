"""
`pubsub dlq peek`: what is in a dead-letter queue, without consuming it.

Peeking has to receive (SQS has no read-only look), so each received message is made visible
again at once (visibility 0) after all are collected; receiving them keeps them hidden only
while the peek runs, which stops one receive from returning a message already seen.

"""
from dataclasses import dataclass
from json import loads
from time import time
from typing import Any, Iterable, Optional

from microcosm_pubsub.infra.aws import InfraError, call, find
from microcosm_pubsub.limits import SQS_MAX_BATCH_ENTRIES, SQS_MAX_RECEIVE_COUNT
from microcosm_pubsub.log_safety import printable


BODY_PREVIEW_CHARS = 80
PEEK_HOLD_SECONDS = 30


@dataclass
class DeadLetter:
    """One message of a dead-letter queue, as peek shows it."""

    message_id: str
    media_type: Optional[str]
    receive_count: int
    age_seconds: float
    body: str


def queue_url_for(sqs: Any, queue: str) -> str:
    """A queue URL from a URL or a name."""
    if queue.startswith(("http://", "https://")):
        return queue
    found = find(sqs, "GetQueueUrl", f"queue {queue}", QueueName=queue)
    if found is None:
        raise InfraError(f"queue {queue} does not exist: check the name and --region (or pass its URL)")
    return found["QueueUrl"]


def _document(text: str) -> Optional[dict]:
    try:
        value = loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def unwrap(raw: dict) -> tuple[str, Optional[str]]:
    """The message's text (the SNS envelope's `Message` when wrapped) and the envelope's media type."""
    text = raw.get("Body") or ""
    envelope = _document(text)
    if envelope and envelope.get("Type") == "Notification":
        attribute = (envelope.get("MessageAttributes") or {}).get("media_type") or {}
        return str(envelope.get("Message") or ""), attribute.get("Value")
    return text, None


def media_type_of(raw: dict) -> Optional[str]:
    """The media type of a received message: its attribute, the SNS envelope's, or the body's."""
    attribute = ((raw.get("MessageAttributes") or {}).get("media_type") or {}).get("StringValue")
    text, wrapped = unwrap(raw)
    return attribute or wrapped or (_document(text) or {}).get("mediaType")


def dead_letter(raw: dict, now: float) -> DeadLetter:
    """A received message as peek shows it (age from SentTimestamp)."""
    attributes = raw.get("Attributes") or {}
    sent = int(attributes.get("SentTimestamp", now * 1000)) / 1000
    return DeadLetter(
        message_id=raw["MessageId"],
        media_type=media_type_of(raw),
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        age_seconds=round(max(0.0, now - sent), 1),
        body=printable(unwrap(raw)[0], BODY_PREVIEW_CHARS),
    )


def make_visible(sqs: Any, queue_url: str, receipt_handles: list[str]) -> None:
    """Visibility 0 for every handle, in batches of 10."""
    for start in range(0, len(receipt_handles), SQS_MAX_BATCH_ENTRIES):
        entries = [{"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                   for index, handle in enumerate(receipt_handles[start:start + SQS_MAX_BATCH_ENTRIES])]
        call(sqs, "ChangeMessageVisibilityBatch", queue_url, QueueUrl=queue_url, Entries=entries)


def receive(sqs: Any, queue_url: str, count: int, hold_seconds: int, wait_seconds: int = 0) -> list[dict]:
    """Up to `count` messages with every attribute, hidden for `hold_seconds`."""
    return call(sqs, "ReceiveMessage", queue_url, QueueUrl=queue_url,
                MaxNumberOfMessages=min(count, SQS_MAX_RECEIVE_COUNT), VisibilityTimeout=hold_seconds,
                WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
                MessageAttributeNames=["All"]).get("Messages", [])


def peek(sqs: Any, queue: str, count: int = 10) -> list[DeadLetter]:
    """Up to `count` messages of a queue, each left visible again afterwards."""
    queue_url = queue_url_for(sqs, queue)
    seen: dict[str, dict] = {}
    try:
        while len(seen) < count:
            batch = receive(sqs, queue_url, count - len(seen), PEEK_HOLD_SECONDS)
            fresh = [raw for raw in batch if raw["MessageId"] not in seen]
            seen.update((raw["MessageId"], raw) for raw in fresh)
            if not fresh:
                break
    finally:
        make_visible(sqs, queue_url, [raw["ReceiptHandle"] for raw in seen.values()])
    now = time()
    return [dead_letter(raw, now) for raw in seen.values()]


def peek_lines(letters: Iterable[DeadLetter]) -> list[str]:
    """Dead letters as an aligned table."""
    from microcosm_pubsub.infra.render import table

    rows = [("MESSAGE ID", "MEDIA TYPE", "RECEIVES", "AGE", "BODY")]
    rows += [(letter.message_id, letter.media_type or "-", str(letter.receive_count), age(letter.age_seconds),
              letter.body) for letter in letters]
    return table(rows) if len(rows) > 1 else ["no messages"]


def age(seconds: float) -> str:
    """Seconds as a short human age (`42s`, `3.5m`, `2.0h`, `1.5d`)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"
