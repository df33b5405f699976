"""
`pubsub dlq redrive`: move dead letters back to a queue.

When the whole dead-letter queue goes back to (one of) its source queues, SQS moves it itself
(`StartMessageMoveTask`, progress from `ListMessageMoveTasks`). Otherwise (a media-type filter,
`--max`, a FIFO queue, or a broker without move tasks such as moto) messages are received, sent
and deleted in batches of 10. Sending comes before deleting, so a crash between the two leaves
the batch in both queues: a duplicate, never a loss. FIFO messages keep their group id; their
deduplication id is derived from the dead letter's message id, so a rerun within SQS's five
minute window does not even duplicate them.

"""
from dataclasses import dataclass, field
from json import dumps
from time import monotonic, sleep
from typing import Any, Optional, TextIO

from microcosm_pubsub.infra.aws import InfraError, arn_name, call, explain, iam_action
from microcosm_pubsub.infra.dead_letters import make_visible, media_type_of, queue_url_for, receive
from microcosm_pubsub.infra.live import list_all
from microcosm_pubsub.infra.progress import Progress
from microcosm_pubsub.limits import SQS_MAX_BATCH_BYTES, SQS_MAX_BATCH_ENTRIES
from microcosm_pubsub.registry import wildcard_for


MOVE_TASK_DONE = ("COMPLETED", "CANCELLED", "FAILED")
MOVE_TASK_UNSUPPORTED = ("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
                         "InvalidAction", "NotImplemented")


@dataclass
class RedriveSummary:
    """What a redrive did: moved, skipped (filtered out) and failed counts, and why any failed."""

    source: str
    target: str
    method: str = "receive, send, delete"
    moved: int = 0
    skipped: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The summary line (and one line per failure reason)."""
        why = "".join(f"\n  {reason}" for reason in self.reasons)
        return (f"redrive {self.source} -> {self.target} ({self.method}): moved {self.moved}, "
                f"skipped {self.skipped}, failed {self.failed}{why}")


@dataclass(frozen=True)
class Route:
    """The two queues of a redrive."""

    source_url: str
    source_arn: str
    target_url: str
    target_arn: str
    fifo: bool
    depth: int
    back_to_source: bool


def queue_attributes(sqs: Any, url: str) -> dict:
    """The attributes a redrive needs: ARN, FIFO, depth."""
    names = ["QueueArn", "FifoQueue", "ApproximateNumberOfMessages"]
    return call(sqs, "GetQueueAttributes", url, QueueUrl=url, AttributeNames=names)["Attributes"]


def resolve_route(sqs: Any, source: str, target: Optional[str]) -> Route:
    """The dead-letter queue, and the queue to move to (default: the one it is the DLQ of)."""
    source_url = queue_url_for(sqs, source)
    attributes = queue_attributes(sqs, source_url)
    origins = list_all(sqs, "ListDeadLetterSourceQueues", "queueUrls", source_url, QueueUrl=source_url)
    if target is None:
        if len(origins) != 1:
            named = f"of {len(origins)} queues ({', '.join(origins)})" if origins else "of no queue"
            raise InfraError(f"{source} is the dead-letter queue {named}: pass --to QUEUE")
        target_url = origins[0]
    else:
        target_url = queue_url_for(sqs, target)
    return Route(source_url=source_url, source_arn=attributes["QueueArn"], target_url=target_url,
                 target_arn=queue_attributes(sqs, target_url)["QueueArn"],
                 fifo=attributes.get("FifoQueue") == "true",
                 depth=int(attributes.get("ApproximateNumberOfMessages", 0)),
                 back_to_source=target_url in origins)


def redrive(sqs: Any, source: str, target: Optional[str] = None, max_messages: Optional[int] = None,
            media_type: Optional[str] = None, rate: Optional[float] = None, visibility_timeout: int = 30,
            wait_seconds: int = 1, poll_seconds: float = 1.0, stream: Optional[TextIO] = None) -> RedriveSummary:
    """Move dead letters from `source` to `target`; see the module docstring for how."""
    route = resolve_route(sqs, source, target)
    summary = RedriveSummary(source=arn_name(route.source_arn), target=arn_name(route.target_arn))
    total = route.depth if max_messages is None else min(route.depth, max_messages)
    progress = Progress(f"redrive {summary.source}", total=total, stream=stream)
    try:
        whole = max_messages is None and media_type is None and not route.fifo and route.back_to_source
        if whole and move_task(sqs, route, summary, progress, rate, poll_seconds):
            return summary
        HandMover(sqs, route, summary, progress, visibility_timeout, wait_seconds).run(max_messages, media_type, rate)
        return summary
    finally:
        progress.close()


def move_task(sqs: Any, route: Route, summary: RedriveSummary, progress: Progress, rate: Optional[float],
              poll_seconds: float) -> bool:
    """Let SQS move everything; False when the broker has no move tasks."""
    from botocore.exceptions import ClientError

    kwargs: dict = dict(SourceArn=route.source_arn, DestinationArn=route.target_arn)
    if rate:
        kwargs["MaxNumberOfMessagesPerSecond"] = max(1, min(500, int(rate)))
    try:
        sqs.start_message_move_task(**kwargs)
    except NotImplementedError:
        return False
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if error.response.get("Error", {}).get("Code") in MOVE_TASK_UNSUPPORTED or status >= 500:
            return False
        raise explain(error, iam_action(sqs, "StartMessageMoveTask"), route.source_arn) from None
    summary.method = "SQS message move task"
    while True:
        results = call(sqs, "ListMessageMoveTasks", route.source_arn, SourceArn=route.source_arn, MaxResults=1)
        task = (results.get("Results") or [{}])[0]
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        to_move = task.get("ApproximateNumberOfMessagesToMove")
        progress.set_total(moved, to_move)
        if task.get("Status") in MOVE_TASK_DONE:
            break
        sleep(poll_seconds)
    summary.moved = moved
    if task.get("Status") != "COMPLETED":
        summary.failed = max(0, int(to_move or moved) - moved)
        summary.reasons.append(f"move task {task.get('Status')}: {task.get('FailureReason', 'no reason given')}")
    return True


def matches(wanted: str, media_type: Optional[str]) -> bool:
    """`wanted` is a media type or a `prefix.*` wildcard (as `@handles` takes)."""
    return media_type is not None and (media_type == wanted or wildcard_for(media_type) == wanted)


class HandMover:
    """Receive, send, delete, ten at a time; skipped and unsent messages stay hidden until the end."""

    def __init__(self, sqs: Any, route: Route, summary: RedriveSummary, progress: Progress,
                 visibility_timeout: int, wait_seconds: int):
        self.sqs, self.route, self.summary, self.progress = sqs, route, summary, progress
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self.held: dict[str, str] = {}

    def run(self, max_messages: Optional[int], media_type: Optional[str], rate: Optional[float]) -> None:
        """Move until the DLQ is empty, `max_messages` are moved, or only held messages come back."""
        started = monotonic()
        try:
            while max_messages is None or self.summary.moved < max_messages:
                room = SQS_MAX_BATCH_ENTRIES if max_messages is None else max_messages - self.summary.moved
                batch = receive(self.sqs, self.route.source_url, min(room, SQS_MAX_BATCH_ENTRIES),
                                self.visibility_timeout, self.wait_seconds)
                fresh = [raw for raw in batch if raw["MessageId"] not in self.held]
                self.held.update((raw["MessageId"], raw["ReceiptHandle"])
                                 for raw in batch if raw["MessageId"] in self.held)
                if not fresh:
                    break
                wanted = [raw for raw in fresh if media_type is None or matches(media_type, media_type_of(raw))]
                self.hold([raw for raw in fresh if raw not in wanted], "skipped")
                self.move(wanted)
                if rate:
                    sleep(max(0.0, self.summary.moved / rate - (monotonic() - started)))
        finally:
            make_visible(self.sqs, self.route.source_url, list(self.held.values()))

    def hold(self, raws: list[dict], outcome: str) -> None:
        """Keep messages hidden (so the next receive returns others) and count them."""
        self.held.update((raw["MessageId"], raw["ReceiptHandle"]) for raw in raws)
        setattr(self.summary, outcome, getattr(self.summary, outcome) + len(raws))
        self.progress.add(**{outcome: len(raws)})

    def move(self, raws: list[dict]) -> None:
        """Send, then delete what was sent; what was not sent stays (hidden until the end)."""
        for chunk in chunks_by_size(raws):
            entries = {str(index): raw for index, raw in enumerate(chunk)}
            sent = call(self.sqs, "SendMessageBatch", self.route.target_url, QueueUrl=self.route.target_url,
                        Entries=[self.send_entry(key, raw) for key, raw in entries.items()])
            for failure in sent.get("Failed", []):
                self.summary.reasons.append(f"message {entries[failure['Id']]['MessageId']} was not sent: "
                                            f"{failure.get('Code')}: {failure.get('Message', '')}; it stays in the DLQ")
            self.hold([entries[failure["Id"]] for failure in sent.get("Failed", [])], "failed")
            delivered = [entries[success["Id"]] for success in sent.get("Successful", [])]
            self.delete(delivered)
            self.summary.moved += len(delivered)
            self.progress.add(moved=len(delivered))

    def delete(self, raws: list[dict]) -> None:
        """Delete sent messages from the DLQ; one that fails will be sent again by a later run."""
        if not raws:
            return
        entries = [{"Id": str(index), "ReceiptHandle": raw["ReceiptHandle"]} for index, raw in enumerate(raws)]
        deleted = call(self.sqs, "DeleteMessageBatch", self.route.source_url, QueueUrl=self.route.source_url,
                       Entries=entries)
        for failure in deleted.get("Failed", []):
            self.summary.reasons.append(f"message {raws[int(failure['Id'])]['MessageId']} was sent but not deleted "
                                        f"({failure.get('Code')}): a later redrive will send it again")

    def send_entry(self, key: str, raw: dict) -> dict:
        """A SendMessageBatch entry: body, attributes, and FIFO group and deduplication ids."""
        entry: dict = {"Id": key, "MessageBody": raw["Body"]}
        attributes = {name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
                      for name, value in (raw.get("MessageAttributes") or {}).items()}
        if attributes:
            entry["MessageAttributes"] = attributes
        if self.route.target_url.endswith(".fifo"):
            entry["MessageGroupId"] = (raw.get("Attributes") or {}).get("MessageGroupId") or "redrive"
            entry["MessageDeduplicationId"] = f"redrive-{raw['MessageId']}"
        return entry


def chunks_by_size(raws: list[dict]) -> list[list[dict]]:
    """Batches under SQS's batch size limit (a dead letter can be as large as a whole batch)."""
    chunks: list[list[dict]] = [[]]
    size = 0
    for raw in raws:
        weight = len(raw["Body"].encode()) + len(dumps(raw.get("MessageAttributes") or {}))
        if chunks[-1] and size + weight > SQS_MAX_BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(raw)
        size += weight
    return [chunk for chunk in chunks if chunk]
