"""
Large messages through S3: publish and drain N messages of 1 MiB with offloading, beside the raw
floor measured in the same run on the same local moto broker.

    python benchmarks/offload.py [--messages 200] [--size-kib 1024] [--runs 5] [--concurrency 1]

- publish, ours: `sns_producer.produce()` with `large_payload_bucket` set (encode, validate,
  PutObject, Publish of the pointer), one thread.
- publish, floor: raw boto3 `put_object` of the same pre-encoded body, then `publish` of the
  pointer with its `ExtendedPayloadSize` attribute, one thread.
- drain, ours: a `ConsumeEngine` (`--concurrency` workers) on a queue subscribed to our topic:
  receive, GetObject on the worker, decode, handle, batched delete; timed until the N-th delete.
- drain, floor: `--concurrency` raw threads: ReceiveMessage (10), for each message GetObject of its
  pointer (read whole), then one DeleteMessageBatch; timed until the N-th delete.

Each figure is the median of `--runs` runs; a ratio is the median of per-run ratios (ours/floor,
throughput), each run's floor measured right beside ours (which goes first alternates). The goal
is >= 0.85 each way.

"""
import argparse
import logging
import sys
from json import loads
from os.path import abspath, dirname
from statistics import median
from threading import Event, Lock, Thread
from time import perf_counter
from typing import Any, Callable
from uuid import uuid4

sys.path.insert(0, dirname(abspath(__file__)))

from marshmallow import fields  # noqa: E402
from microcosm.api import create_object_graph  # noqa: E402
from microcosm.loaders import load_from_dict  # noqa: E402

from microcosm_pubsub.codecs import PubSubMessageSchema  # noqa: E402
from microcosm_pubsub.decorators import schema  # noqa: E402
from microcosm_pubsub.engine import ConsumeEngine  # noqa: E402
from microcosm_pubsub.offload import PayloadPointer, parse_pointer  # noqa: E402
from microcosm_pubsub.offload.pointer import size_attribute  # noqa: E402

from broker import REGION, SQS_BATCH, Broker, moto_broker, raw_client, use_fake_credentials  # noqa: E402
from timing import Rate, wait_for  # noqa: E402


MEDIA_TYPE = "application/vnd.microcosm.bench.large-document"
GOAL = 0.85
GRAPH_COMPONENTS = ("opaque", "pubsub_message_schema_registry", "sqs_message_handler_registry",
                    "sns_producer", "sqs_consumer", "sqs_message_dispatcher")


@schema
class LargeDocumentSchema(PubSubMessageSchema):
    """A document whose text makes the message about `--size-kib` long."""

    MEDIA_TYPE = MEDIA_TYPE

    name = fields.String(required=True)
    text = fields.String(required=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200, help="messages per loop (default 200)")
    parser.add_argument("--size-kib", type=int, default=1024, help="message size in KiB (default 1024)")
    parser.add_argument("--runs", type=int, default=5, help="runs; medians are printed (default 5)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="engine workers, and floor threads, for the drain (default 1)")
    parser.add_argument("--broker", choices=("process", "thread"), default="process",
                        help="run moto in a child process (default) or in a thread of this process")
    return parser.parse_args()


class OffloadBench:
    """One moto broker, one bucket; each loop gets its own topic and subscribed queue."""

    def __init__(self, endpoint_url: str, messages: int, size: int, concurrency: int):
        self.broker = Broker(endpoint_url)
        self.endpoint_url = endpoint_url
        self.messages = messages
        self.concurrency = concurrency
        self.s3 = raw_client("s3", endpoint_url, pool_size=concurrency + 4)
        self.bucket = f"bench-offload-{uuid4().hex[:8]}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.content = dict(name="document", text="x" * size)

    def graph(self, topic_arn: str, queue_url: str = "unused") -> Any:
        """A service's graph on moto, offloading through the bench bucket (one config key each side)."""
        endpoint = dict(endpoint_url=self.endpoint_url, region_name=REGION)
        graph = create_object_graph("bench", loader=load_from_dict(
            sns_producer=dict(large_payload_bucket=self.bucket, **endpoint),
            sqs_consumer=dict(large_payload_bucket=self.bucket, sqs_queue_url=queue_url,
                              concurrency=self.concurrency, **endpoint),
            sns_topic_arns=dict(default=topic_arn),
        ))
        graph.use(*GRAPH_COMPONENTS)
        return graph

    def topic_and_queue(self) -> tuple[str, str]:
        topic_arn = self.broker.create_topic("bench-offload")
        queue_url = self.broker.create_queue("bench-offload")
        self.broker.subscribe(topic_arn, queue_url)
        return topic_arn, queue_url

    def publish_ours(self, topic_arn: str) -> Rate:
        producer = self.graph(topic_arn).sns_producer
        start = perf_counter()
        for _ in range(self.messages):
            producer.produce(MEDIA_TYPE, dict(self.content))
        return Rate(self.messages, perf_counter() - start)

    def publish_floor(self, topic_arn: str) -> Rate:
        sns = raw_client("sns", self.endpoint_url)
        encoded = self.graph(topic_arn).sns_producer.create_message(MEDIA_TYPE, dict(self.content))
        body = encoded.message.encode()
        attributes = {**encoded.message_attributes, **size_attribute(len(body))}
        start = perf_counter()
        for _ in range(self.messages):
            pointer = PayloadPointer(bucket=self.bucket, key=str(uuid4()))
            self.s3.put_object(Bucket=pointer.bucket, Key=pointer.key, Body=body)
            sns.publish(TopicArn=topic_arn, Message=pointer.encode(), MessageAttributes=attributes)
        return Rate(self.messages, perf_counter() - start)

    def drain_ours(self, topic_arn: str, queue_url: str) -> Rate:
        graph = self.graph(topic_arn, queue_url)
        received = []
        engine = ConsumeEngine(graph, {MEDIA_TYPE: lambda content: received.append(len(content["text"])) or True},
                               concurrency=self.concurrency, shutdown_timeout=10.0)
        runner = Thread(target=engine.run, name="bench-engine", daemon=True)
        start = perf_counter()
        runner.start()
        try:
            wait_for(lambda: engine.stats["deleted"] >= self.messages, 600, "engine drain")
            seconds = perf_counter() - start
        finally:
            engine.request_stop()
            runner.join(30)
        if engine.stats["failed"] or set(received) != {len(self.content["text"])}:
            raise RuntimeError(f"the engine drain went wrong: {engine.stats['failed']} failed")
        return Rate(self.messages, seconds)

    def drain_floor(self, queue_url: str) -> Rate:
        sqs = raw_client("sqs", self.endpoint_url, pool_size=self.concurrency + 4)
        deleted, lock, stopping = [0], Lock(), Event()

        def work() -> None:
            while not stopping.is_set():
                messages = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=SQS_BATCH, WaitTimeSeconds=1,
                ).get("Messages", [])
                if not messages:
                    return
                for message in messages:
                    pointer = parse_pointer(loads(message["Body"])["Message"])
                    self.s3.get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"].read()
                sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                    dict(Id=str(index), ReceiptHandle=message["ReceiptHandle"])
                    for index, message in enumerate(messages)
                ])
                with lock:
                    deleted[0] += len(messages)

        return self._timed_threads(work, deleted, stopping)

    def _timed_threads(self, work: Callable[[], None], deleted: list, stopping: Event) -> Rate:
        threads = [Thread(target=work, name=f"bench-floor-{index}", daemon=True) for index in range(self.concurrency)]
        start = perf_counter()
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: deleted[0] >= self.messages, 600, "floor drain")
            seconds = perf_counter() - start
        finally:
            stopping.set()
            for thread in threads:
                thread.join(30)
        return Rate(self.messages, seconds)

    def empty_bucket(self) -> None:
        """Delete the run's objects, so that moto's memory does not grow run after run."""
        while True:
            listing = self.s3.list_objects_v2(Bucket=self.bucket)
            keys = [dict(Key=entry["Key"]) for entry in listing.get("Contents", [])]
            if not keys:
                return
            self.s3.delete_objects(Bucket=self.bucket, Delete=dict(Objects=keys))

    def run_once(self, floor_first: bool) -> dict[str, Rate]:
        """
        Publish ours and the floor's to two topics, then drain both queues.

        Which side goes first alternates from run to run, so that a neighbour's load on the shared
        machine, or moto's state, does not always fall on the same side.

        """
        ours_topic, ours_queue = self.topic_and_queue()
        floor_topic, floor_queue = self.topic_and_queue()
        steps = [("publish_ours", lambda: self.publish_ours(ours_topic)),
                 ("publish_floor", lambda: self.publish_floor(floor_topic))]
        drains = [("drain_ours", lambda: self.drain_ours(ours_topic, ours_queue)),
                  ("drain_floor", lambda: self.drain_floor(floor_queue))]
        if floor_first:
            steps.reverse()
            drains.reverse()
        rates = {name: step() for name, step in steps + drains}
        for queue_url in (ours_queue, floor_queue):
            self.broker.delete_queue(queue_url)
        self.empty_bucket()
        return rates


def report(runs: list[dict[str, Rate]], args: argparse.Namespace) -> bool:
    """Print medians and ratios; whether both ratios reach the goal."""
    mib = args.size_kib / 1024
    print(f"\n{args.messages} messages of {args.size_kib} KiB, {len(runs)} runs, drain concurrency "
          f"{args.concurrency}; medians [min-max]")
    print(f"{'figure':<10} {'ours msg/s':>16} {'floor msg/s':>16} {'ours MiB/s':>10} {'ours/floor':>18}  goal")
    passed = True
    for way in ("publish", "drain"):
        ours = [run[f"{way}_ours"].rate for run in runs]
        floor = [run[f"{way}_floor"].rate for run in runs]
        ratios = [mine / raw for mine, raw in zip(ours, floor)]
        ok = median(ratios) >= GOAL
        passed = passed and ok
        print(f"{way:<10} {figure(ours):>16} {figure(floor):>16} {median(ours) * mib:>10.1f} "
              f"{figure(ratios, '.2f'):>18}  >= {GOAL} {'PASS' if ok else 'MISS'}")
    return passed


def figure(values: list[float], spec: str = ".1f") -> str:
    return f"{median(values):{spec}} [{min(values):{spec}}-{max(values):{spec}}]"


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    use_fake_credentials()
    runs = []
    with moto_broker(args.broker) as endpoint_url:
        bench = OffloadBench(endpoint_url, args.messages, args.size_kib * 1024, args.concurrency)
        for index in range(args.runs):
            runs.append(bench.run_once(floor_first=index % 2 == 1))
            print(f"run {index + 1}/{args.runs}: " + ", ".join(
                f"{name} {rate.rate:.1f}/s" for name, rate in runs[-1].items()), file=sys.stderr, flush=True)
    return 0 if report(runs, args) else 1


if __name__ == "__main__":
    sys.exit(main())
