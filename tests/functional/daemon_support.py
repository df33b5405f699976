"""
Functional test support: a moto topic and queue (`Broker`), recording daemons run as subprocesses
(`Daemon`, `DaemonLauncher`) and the outcome of a drain (`Outcome`), for the fixtures in conftest.

Imported as `daemon_support` (this folder is on sys.path under pytest's default import mode).

"""
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from importlib.util import module_from_spec, spec_from_file_location
from json import dumps
from pathlib import Path
from time import monotonic, sleep
from typing import Any, Callable, Optional
from uuid import uuid4

import boto3
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict


HERE = Path(__file__).resolve().parent
RECORDING_DAEMON = HERE / "daemons" / "recording_daemon.py"
ITEM_MEDIA_TYPE = "application/vnd.globality.pubsub.functional.item"
REGION = "us-east-1"
FAKE_ACCESS_KEY = "functional-access-key"
FAKE_SECRET_KEY = "functional-secret-key"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STOP_SIGNAL = signal.SIGTERM


def load_recording_daemon() -> Any:
    """The recording daemon's module, imported once by path (its `@schema` registers ItemSchema)."""
    name = "functional_recording_daemon"
    if name not in sys.modules:
        spec = spec_from_file_location(name, RECORDING_DAEMON)
        module = module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def poll_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Call `predicate` until it returns something truthy (returned) or `timeout` passes (None)."""
    deadline = monotonic() + timeout
    while True:
        value = predicate()
        if value or monotonic() >= deadline:
            return value
        sleep(interval)


def base_env(endpoint_url: str, **extra: str) -> dict:
    """A child environment: fake credentials, region, endpoint; none of the developer's AWS settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "FUNCTIONAL__"))}
    env.update(
        AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Broker:
    """One uniquely named topic subscribed by one queue on moto, with helpers to feed and inspect them."""

    endpoint_url: str
    sns: Any
    sqs: Any
    topic_arn: str = ""
    queue_url: str = ""
    graphs: dict = field(default_factory=dict)

    @classmethod
    def create(cls, endpoint_url: str, **queue_attributes: str) -> "Broker":
        broker = cls(
            endpoint_url=endpoint_url,
            sns=boto3.client("sns", endpoint_url=endpoint_url, region_name=REGION),
            sqs=boto3.client("sqs", endpoint_url=endpoint_url, region_name=REGION),
        )
        suffix = uuid4().hex[:12]
        broker.topic_arn = broker.sns.create_topic(Name=f"functional-{suffix}")["TopicArn"]
        broker.queue_url = broker.create_queue(f"functional-{suffix}", **queue_attributes)
        broker.sns.subscribe(TopicArn=broker.topic_arn, Protocol="sqs", Endpoint=broker.queue_arn(broker.queue_url))
        return broker

    def create_queue(self, name: str, **attributes: str) -> str:
        return self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    def queue_arn(self, queue_url: str) -> str:
        return self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]

    def producer_graph(self, endpoint_url: str = "") -> Any:
        """A graph whose `sns_producer` publishes to this topic (through `endpoint_url`, default moto's)."""
        endpoint_url = endpoint_url or self.endpoint_url
        if endpoint_url not in self.graphs:
            load_recording_daemon()  # registers ItemSchema in this process too
            graph = create_object_graph("functional", loader=load_from_dict(
                sns_topic_arns=dict(default=self.topic_arn),
                sns_producer=dict(skip=False, endpoint_url=endpoint_url),
            ))
            graph.use("opaque", "pubsub_message_schema_registry", "sns_topic_arns", "sns_producer")
            self.graphs[endpoint_url] = graph
        return self.graphs[endpoint_url]

    def publish_items(self, items: list[str], endpoint_url: str = "", **fields: Any) -> None:
        """Publish one item message per id through `graph.sns_producer` (SNS wraps them)."""
        producer = self.producer_graph(endpoint_url).sns_producer
        for item in items:
            producer.produce(ITEM_MEDIA_TYPE, item=item, **fields)

    def send_raw(self, body: Any, queue_url: str = "") -> str:
        """Send a body straight to the queue (raw delivery); return its SQS message id."""
        text = body if isinstance(body, str) else dumps(body)
        return self.sqs.send_message(QueueUrl=queue_url or self.queue_url, MessageBody=text)["MessageId"]

    def depth(self, queue_url: str = "") -> int:
        """Messages in the queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url or self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                            "ApproximateNumberOfMessagesDelayed"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def wait_until_empty(self, timeout: float, queue_url: str = "") -> bool:
        return bool(poll_until(lambda: self.depth(queue_url) == 0, timeout, interval=0.2))


def read_records(path: Path) -> list[tuple[str, str, str, int]]:
    """The recording daemon's lines as (item, message_id, marker, pid)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().split("\n")[:-1]:  # a line still being written has no newline yet
        item, message_id, marker, pid = line.split("\t")
        records.append((item, message_id, marker, int(pid)))
    return records


@dataclass
class Daemon:
    """A daemon subprocess; its stdout and stderr go to files (no pipe can fill up and block it)."""

    process: subprocess.Popen
    record_file: Path
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int = STOP_SIGNAL) -> None:
        """Send `signum` (default SIGTERM)."""
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> Optional[int]:
        """The exit code, or None if it is still running after `timeout`."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 30, signum: int = STOP_SIGNAL) -> Optional[int]:
        """SIGTERM (or `signum`) and wait for the exit code."""
        self.signal(signum)
        return self.wait(timeout)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(10)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def output(self) -> str:
        return self.stdout() + self.stderr()

    def records(self) -> list[tuple[str, str, str, int]]:
        return [record for record in read_records(self.record_file) if record[3] == self.pid]

    def handled(self, marker: str = "handled") -> list[str]:
        """Items this process recorded with `marker`, in order."""
        return [item for item, _, mark, _ in self.records() if mark == marker]

    def cpu_seconds(self) -> float:
        """utime + stime of the process so far, from /proc/<pid>/stat."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def mid_run(self, handled_at_least: int) -> bool:
        """Whether it has handled `handled_at_least` messages and has handlers running right now."""
        handled = len(self.handled())
        return handled >= handled_at_least and len(self.handled("started")) > handled

    def wait_until_consuming(self, timeout: float = 20) -> bool:
        """Whether the engine logged that it is consuming within `timeout` (False if it died)."""
        return bool(poll_until(lambda: "consuming " in self.stdout() or not self.alive(), timeout)) and self.alive()


@dataclass
class Outcome:
    """What became of a run: how long handling took, the queue, the daemon's exit, losses and duplicates."""

    handled_seconds: float
    emptied: bool
    alive: bool
    exit_code: Optional[int]
    exit_seconds: float
    lost: set
    duplicates: int

    def summary(self) -> str:
        return (f"lost={len(self.lost)}, duplicates={self.duplicates}, "
                f"exit {self.exit_code} in {self.exit_seconds:.2f}s")


class DaemonLauncher:
    """
    Starts the recording daemon (or another `script`) as a subprocess; every daemon of one test
    shares one record file, so counts span runs. Daemons still running at teardown are killed.

    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.record_file = directory / "handled.tsv"
        self.started: list[Daemon] = []

    def __call__(self, endpoint_url: str, *args: str, env: Optional[dict] = None,
                 script: Path = RECORDING_DAEMON) -> Daemon:
        index = len(self.started)
        stdout_path = self.directory / f"daemon-{index}.stdout"
        stderr_path = self.directory / f"daemon-{index}.stderr"
        child_env = base_env(endpoint_url, FUNCTIONAL_RECORD_FILE=str(self.record_file), **(env or {}))
        with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(script), *args],
                env=child_env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
            )
        daemon = Daemon(process, self.record_file, stdout_path, stderr_path)
        self.started.append(daemon)
        return daemon

    def records(self) -> list[tuple[str, str, str, int]]:
        """Every line recorded by every daemon of the test, as (item, message_id, marker, pid)."""
        return read_records(self.record_file)

    def counts(self, marker: str = "handled") -> Counter:
        """How many times each item was recorded with `marker`, across every daemon of the test."""
        return Counter(item for item, _, mark, _ in read_records(self.record_file) if mark == marker)

    def tally(self, published: list[str]) -> tuple[set, int]:
        """(published items never handled, handlings beyond the first) across every daemon of the test."""
        counts = self.counts()
        return set(published) - set(counts), sum(counts.values()) - len(counts)

    def finish(self, daemon: Daemon, broker: "Broker", published: list[str], timeout: float,
               started: Optional[float] = None, stop_signal: int = STOP_SIGNAL) -> Outcome:
        """Wait until every published item was handled and the queue is empty, then SIGTERM `daemon`."""
        started = monotonic() if started is None else started
        poll_until(lambda: set(self.counts()) >= set(published) or not daemon.alive(), timeout)
        handled_seconds = monotonic() - started
        emptied = broker.wait_until_empty(timeout=10)
        alive = daemon.alive()
        stopped_at = monotonic()
        exit_code = daemon.stop(timeout=30, signum=stop_signal)
        lost, duplicates = self.tally(published)
        return Outcome(handled_seconds, emptied, alive, exit_code, monotonic() - stopped_at, lost, duplicates)

    def kill_all(self) -> None:
        for daemon in self.started:
            daemon.kill()
