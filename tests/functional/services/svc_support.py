"""
Helpers for the service tests: polling with a deadline, the `pubsub` command, moto queues, children.

"""
import json
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from time import monotonic, sleep
from typing import Any, Callable, Optional
from urllib.error import HTTPError
from urllib.request import urlopen
from uuid import uuid4

import boto3


HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[2] / "examples"
REGION = "us-east-1"
FAKE_CREDENTIALS = dict(AWS_ACCESS_KEY_ID="svc-testing", AWS_SECRET_ACCESS_KEY="svc-testing", AWS_DEFAULT_REGION=REGION)


def svc_poll(predicate: Callable[[], Any], timeout: float = 20, interval: float = 0.05) -> Any:
    """Call `predicate` until it returns something truthy (returned) or `timeout` passes (None)."""
    deadline = monotonic() + timeout
    while True:
        value = predicate()
        if value or monotonic() >= deadline:
            return value
        sleep(interval)


def pubsub_command() -> list[str]:
    """The `pubsub` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "pubsub"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from microcosm_pubsub.main import main; main()"]


def http_get(url: str) -> tuple[int, Any]:
    """GET a health URL: (status, parsed JSON body); (0, None) when nothing answers."""
    try:
        with urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SvcBroker:
    """Boto3 clients on the session's moto server, with helpers for per-test topics and queues."""

    endpoint_url: str
    sns: Any = None
    sqs: Any = None

    def __post_init__(self) -> None:
        self.sns = boto3.client("sns", endpoint_url=self.endpoint_url, region_name=REGION)
        self.sqs = boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=REGION)

    def queue(self, **attributes: str) -> str:
        return self.sqs.create_queue(QueueName=f"svc-{uuid4().hex[:16]}", Attributes=attributes)["QueueUrl"]

    def topic_with_queue(self) -> tuple[str, str]:
        """A new topic and a new queue subscribed to it."""
        topic_arn = self.sns.create_topic(Name=f"svc-{uuid4().hex[:16]}")["TopicArn"]
        queue_url = self.queue()
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return topic_arn, queue_url

    def send(self, queue_url: str, body: Any) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        return self.sqs.send_message(QueueUrl=queue_url, MessageBody=text)["MessageId"]

    def depth(self, queue_url: str) -> int:
        """Messages in the queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def queue_urls(self, prefix: str) -> list[str]:
        return self.sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])


@dataclass
class Child:
    """A subprocess started by a test, its log file and the events its callbacks wrote."""

    process: subprocess.Popen
    log_path: Path
    out_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def events(self, name: Optional[str] = None) -> list[dict]:
        if not self.out_path.exists():
            return []
        # a line still being written has no newline yet: leave it for the next poll
        lines = [json.loads(line) for line in self.out_path.read_text().split("\n")[:-1] if line.strip()]
        return [line for line in lines if name is None or line["event"] == name]

    def wait_events(self, name: str, count: int, timeout: float = 20) -> list[dict]:
        """At least `count` events named `name` (fails the test with the child's log otherwise)."""
        events = svc_poll(lambda: len(self.events(name)) >= count and self.events(name), timeout)
        assert events, f"expected {count} {name!r} events, got {self.events()}\n--- log:\n{self.log()}"
        return events

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"pid {self.pid} still running after {timeout}s\n--- log:\n{self.log()}")


def systemd_analyze() -> Optional[str]:
    return shutil.which("systemd-analyze")
