"""
What `pubsub top` shows, read once per refresh: each daemon's `/metrics` and each queue's depth.

Why rates are computed here: counters only grow, so a rate is the difference between two
refreshes over the time between them; a daemon that restarts (counters fall) shows no rate for
that refresh rather than a negative one. The standard library reads `/metrics` (the text format
is a line per sample), so `pubsub top` needs no Prometheus client.

"""
import re
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Optional
from urllib.error import HTTPError
from urllib.request import urlopen

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
TIMEOUT_SECONDS = 2.0


def parse_exposition(text: str) -> list[tuple[str, dict, float]]:
    """(name, labels, value) of every sample line."""
    samples = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if not match or line.startswith("#"):
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        samples.append((match.group(1), dict(LABEL.findall(match.group(2) or "")), value))
    return samples


@dataclass
class DaemonSample:
    """One daemon at one refresh: handled counts by (media type, result), in flight, errors."""

    url: str
    at: float
    handled: dict = field(default_factory=dict)
    in_flight: float = 0.0
    errors: float = 0.0
    problem: Optional[str] = None


def get_text(url: str) -> tuple[int, str]:
    """(status, body) of a GET; (0, why) when nothing answers."""
    try:
        with urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode(errors="replace")
    except HTTPError as error:
        return error.code, ""
    except OSError as error:
        return 0, str(getattr(error, "reason", error))


def sample_daemon(url: str) -> DaemonSample:
    """Read a daemon's `/metrics` (summed over workers); `problem` says why when it cannot."""
    sample = DaemonSample(url=url, at=monotonic())
    status, text = get_text(f"{url.rstrip('/')}/metrics")
    if status != 200:
        sample.problem = f"/metrics answered {status}" if status else f"unreachable: {text}"[:80]
        return sample
    for name, labels, value in parse_exposition(text):
        if name == "pubsub_messages_handled_total":
            key = (labels.get("media_type", "?"), labels.get("result", "?"))
            sample.handled[key] = sample.handled.get(key, 0.0) + value
            if labels.get("result") == "FAILED":
                sample.errors += value
        elif name == "pubsub_messages_in_flight":
            sample.in_flight += value
        elif name in ("pubsub_broker_errors_total", "pubsub_resolve_failures_total"):
            sample.errors += value
    return sample


def rates(previous: Optional[DaemonSample], current: DaemonSample) -> dict:
    """Messages per second by (media type, result) since the previous refresh ({} on the first)."""
    if previous is None or previous.problem or current.problem or current.at <= previous.at:
        return {}
    seconds = current.at - previous.at
    found = {}
    for key, count in current.handled.items():
        delta = count - previous.handled.get(key, 0.0)
        if delta < 0:
            return {}
        found[key] = delta / seconds
    return found


@dataclass
class QueueSample:
    """One queue at one refresh: visible, in flight, age of the oldest message, its DLQ's depth."""

    url: str
    depth: Optional[int] = None
    in_flight: Optional[int] = None
    oldest_seconds: Optional[float] = None
    dlq_depth: Optional[int] = None
    problem: Optional[str] = None


def queue_depths(sqs: Any, url: str) -> tuple[int, int, dict]:
    """(visible, in flight, all attributes) of a queue."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(attributes.get("ApproximateNumberOfMessages", 0)),
            int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)), attributes)


def dead_letter_url(sqs: Any, attributes: dict) -> Optional[str]:
    """The URL of the queue's DLQ, from its RedrivePolicy (None without one)."""
    import json

    try:
        target = json.loads(attributes.get("RedrivePolicy") or "{}").get("deadLetterTargetArn")
    except ValueError:
        return None
    if not target:
        return None
    _, _, _, _, account, name = target.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def oldest_age(cloudwatch: Any, url: str) -> Optional[float]:
    """SQS's `ApproximateAgeOfOldestMessage` (CloudWatch, last 5 minutes), None when it has none."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": url.rstrip("/").rsplit("/", 1)[-1]}],
        StartTime=now - timedelta(minutes=5), EndTime=now, Period=60, Statistics=["Maximum"],
    )
    points = sorted(answer.get("Datapoints", []), key=lambda point: point["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def sample_queue(sqs: Any, cloudwatch: Any, url: str) -> QueueSample:
    """A queue's figures; `problem` says why when it cannot be read."""
    sample = QueueSample(url=url)
    try:
        sample.depth, sample.in_flight, attributes = queue_depths(sqs, url)
        dlq = dead_letter_url(sqs, attributes)
        if dlq:
            sample.dlq_depth = sum(queue_depths(sqs, dlq)[:2])
    except Exception as error:
        sample.problem = f"{type(error).__name__}: {error}"[:80]
        return sample
    try:
        sample.oldest_seconds = oldest_age(cloudwatch, url)
    except Exception:
        sample.oldest_seconds = None  # no CloudWatch access: the column shows "-"
    return sample
