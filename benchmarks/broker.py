"""
The benchmark's broker: moto on 127.0.0.1 (the package's `moto_server()`, SQS serialised), and
helpers to make queues and topics, fill queues and count API calls.

By default moto runs in a child process (`python benchmarks/broker.py` prints its URL and serves
until its stdin closes), so the broker's CPU time and memory are not charged to the client being
measured; `--broker thread` runs it inside the benchmark process instead. Either way moto's SQS
hot spots are patched (`fast_moto.py`) unless `--raw-moto` is given.

"""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from itertools import count
from time import sleep
from typing import Any, Iterator

import boto3
from botocore.config import Config


REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": REGION,
}
SQS_BATCH = 10


def use_fake_credentials() -> None:
    """Fake credentials and region for this process and its children; no developer AWS settings."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    os.environ.update(FAKE_CREDENTIALS)


@contextmanager
def added_latency(seconds: float) -> Iterator[None]:
    """Make every moto answer wait `seconds` first (outside the SQS lock), like a network round trip."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.__dict__["dispatch"]

    def dispatch(cls: Any, *args: Any, **kwargs: Any) -> Any:
        sleep(seconds)
        return original.__func__(cls, *args, **kwargs)

    BaseResponse.dispatch = classmethod(dispatch)
    try:
        yield
    finally:
        BaseResponse.dispatch = original


@contextmanager
def serving_moto(fast: bool = True, latency_ms: float = 0.0) -> Iterator[str]:
    """The package's `moto_server()` (SQS serialised), with `fast_moto_sqs()` inside it."""
    from microcosm_pubsub.testing.moto_server import moto_server

    from fast_moto import fast_moto_sqs

    with moto_server() as endpoint_url, (fast_moto_sqs() if fast else nullcontext()), \
            (added_latency(latency_ms / 1000) if latency_ms else nullcontext()):
        yield endpoint_url


@contextmanager
def moto_broker(mode: str = "process", fast: bool = True, latency_ms: float = 0.0) -> Iterator[str]:
    """Yield the endpoint URL of moto on 127.0.0.1, in a child process or a thread of this one."""
    if mode == "thread":
        with serving_moto(fast, latency_ms) as endpoint_url:
            yield endpoint_url
        return
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), *([] if fast else ["--raw-moto"]), f"--latency-ms={latency_ms}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        endpoint_url = child.stdout.readline().strip()
        if not endpoint_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"moto did not start (said {endpoint_url!r})")
        yield endpoint_url
    finally:
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def raw_client(service: str, endpoint_url: str, pool_size: int = 10) -> Any:
    """A plain boto3 client, configured like the package's (standard retries, sized pool)."""
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        config=Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=max(10, pool_size)),
    )


class Broker:
    """Queues, topics and bulk sends on the benchmark's moto."""

    def __init__(self, endpoint_url: str, fill_threads: int = 4):
        self.endpoint_url = endpoint_url
        self.fill_threads = fill_threads
        self.sqs = raw_client("sqs", endpoint_url, pool_size=fill_threads + 4)
        self.sns = raw_client("sns", endpoint_url)
        self._names = count()

    def create_queue(self, prefix: str) -> str:
        return self.sqs.create_queue(QueueName=f"{prefix}-{next(self._names)}")["QueueUrl"]

    def delete_queue(self, queue_url: str) -> None:
        self.sqs.delete_queue(QueueUrl=queue_url)

    @contextmanager
    def queue(self, prefix: str) -> Iterator[str]:
        """A fresh queue for one run, deleted afterwards (so no run sees another's messages)."""
        queue_url = self.create_queue(prefix)
        try:
            yield queue_url
        finally:
            self.delete_queue(queue_url)

    def create_topic(self, prefix: str) -> str:
        return self.sns.create_topic(Name=f"{prefix}-{next(self._names)}")["TopicArn"]

    def subscribe(self, topic_arn: str, queue_url: str) -> None:
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"},
        )

    def fill(self, queue_url: str, body: str, total: int) -> None:
        """Send `total` copies of `body` with SendMessageBatch from several threads."""
        sizes = [min(SQS_BATCH, total - start) for start in range(0, total, SQS_BATCH)]

        def send(size: int) -> None:
            response = self.sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[dict(Id=str(index), MessageBody=body) for index in range(size)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"filling {queue_url} failed: {response['Failed'][:1]}")

        with ThreadPoolExecutor(self.fill_threads) as pool:
            list(pool.map(send, sizes))

    def depth(self, queue_url: str) -> int:
        """Messages in the queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def serve() -> None:
    """Child process: start moto, print its URL, serve until stdin closes."""
    use_fake_credentials()
    latency_ms = next((float(arg.split("=", 1)[1]) for arg in sys.argv if arg.startswith("--latency-ms=")), 0.0)
    with serving_moto(fast="--raw-moto" not in sys.argv, latency_ms=latency_ms) as endpoint_url:
        print(endpoint_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    serve()
