"""
Draining a filled queue: with the package's `ConsumeEngine`, and with the raw-boto3 floor.

Both are timed the same way: from starting their threads until the N-th message is deleted
(the main thread polls a counter every 5 ms), in wall-clock time and in this process's CPU time
(with moto in its own process, that is the client's cost). Setup (graph, clients, queue fill)
and the stop afterwards are not timed. API calls are counted with a botocore `before-call` hook on the
client that does the work, up to the moment the N-th delete is seen.

"""
from threading import Event, Lock, Thread
from time import perf_counter, process_time
from typing import Any, Callable, Optional

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.engine import ConsumeEngine

from broker import REGION, SQS_BATCH, raw_client
from messages import MEDIA_TYPE
from timing import CallCounter, Rate, wait_for


GRAPH_COMPONENTS = (
    "opaque", "pubsub_message_schema_registry", "sqs_message_handler_registry", "sns_topic_arns",
    "sns_producer", "sqs_consumer", "sqs_message_dispatcher",
)


def engine_graph(endpoint_url: str, queue_url: str, concurrency: int, topic_arn: Optional[str] = None) -> Any:
    """A daemon's graph on moto: endpoint, region and concurrency from config, as a deployment sets them."""
    loader = load_from_dict(
        sqs_consumer=dict(
            sqs_queue_url=queue_url, endpoint_url=endpoint_url, region_name=REGION, concurrency=concurrency,
        ),
        sns_producer=dict(endpoint_url=endpoint_url, region_name=REGION),
        sns_topic_arns=dict(default=topic_arn or "arn:aws:sns:us-east-1:123456789012:unused"),
    )
    graph = create_object_graph("bench", loader=loader)
    graph.use(*GRAPH_COMPONENTS)
    return graph


def drain_with_engine(
    endpoint_url: str, queue_url: str, expected: int, concurrency: int, handler: Callable,
    timeout: float = 600.0,
) -> Rate:
    """Run a `ConsumeEngine` on the queue until `expected` messages are deleted."""
    graph = engine_graph(endpoint_url, queue_url, concurrency)
    engine = ConsumeEngine(graph, {MEDIA_TYPE: handler}, concurrency=concurrency, shutdown_timeout=10.0)
    counter = CallCounter(graph.sqs_consumer.sqs_client, "sqs")
    runner = Thread(target=engine.run, name="bench-engine", daemon=True)
    cpu_start, start = process_time(), perf_counter()
    runner.start()
    try:
        wait_for(lambda: engine.stats["deleted"] >= expected, timeout, f"engine c{concurrency}")
        seconds, cpu_seconds = perf_counter() - start, process_time() - cpu_start
        calls = counter.total()
    finally:
        engine.request_stop()
        runner.join(30)
    problems = {name: engine.stats[name] for name in ("failed", "retried", "resolve_failed", "receive_errors")
                if engine.stats[name]}
    if problems:
        raise RuntimeError(f"engine c{concurrency} reported {problems}")
    return Rate(expected, seconds, calls, cpu_seconds)


def drain_with_floor(
    endpoint_url: str, queue_url: str, expected: int, threads: int,
    handle: Optional[Callable[[dict], Any]] = None, timeout: float = 600.0,
) -> Rate:
    """
    The raw-boto3 floor: each thread receives 10 (long poll 1 s), handles them in turn (when a
    `handle` is given), deletes them with one DeleteMessageBatch, until the queue is empty.
    """
    client = raw_client("sqs", endpoint_url, pool_size=threads + 4)
    counter = CallCounter(client, "sqs")
    deleted = [0]
    lock = Lock()
    stopping = Event()

    def work() -> None:
        while not stopping.is_set():
            messages = client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=SQS_BATCH, WaitTimeSeconds=1,
            ).get("Messages", [])
            if not messages:
                return
            if handle is not None:
                for message in messages:
                    handle(message)
            client.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[dict(Id=str(index), ReceiptHandle=message["ReceiptHandle"])
                         for index, message in enumerate(messages)],
            )
            with lock:
                deleted[0] += len(messages)

    workers = [Thread(target=work, name=f"bench-floor-{index}", daemon=True) for index in range(threads)]
    cpu_start, start = process_time(), perf_counter()
    for worker in workers:
        worker.start()
    try:
        wait_for(lambda: deleted[0] >= expected, timeout, f"floor t{threads}")
        seconds, cpu_seconds = perf_counter() - start, process_time() - cpu_start
        calls = counter.total()
    finally:
        stopping.set()
        for worker in workers:
            worker.join(30)
    return Rate(expected, seconds, calls, cpu_seconds)
