"""
Draining a filled queue: with the package's `ConsumeEngine`, and with the raw-boto3 floor.

Both are timed the same way: from starting their threads until the N-th message is deleted
(the main thread polls a counter every 5 ms), in wall-clock time and in this process's CPU time
(with moto in its own process, that is the client's cost). Setup (graph, clients, queue fill)
and the stop afterwards are not timed. API calls are counted with a botocore `before-call` hook on the
client that does the work, up to the moment the N-th delete is seen.

"""
from queue import Empty, Queue
from threading import Event, Lock, Thread
from time import perf_counter, process_time
from typing import Any, Callable, Optional

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.engine import ConsumeEngine

from broker import REGION, SQS_BATCH, raw_client
from messages import MEDIA_TYPE, trivial_handler
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


def receive_batch(client: Any, queue_url: str) -> list[dict]:
    """The floor's receive: up to 10, long poll 1 s, no attributes asked for."""
    return client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=SQS_BATCH, WaitTimeSeconds=1,
                                  ).get("Messages", [])


def delete_batch(client: Any, queue_url: str, messages: list[dict]) -> None:
    """The floor's delete: one DeleteMessageBatch of what one receive returned."""
    client.delete_message_batch(
        QueueUrl=queue_url,
        Entries=[dict(Id=str(index), ReceiptHandle=message["ReceiptHandle"]) for index, message in enumerate(messages)],
    )


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
            messages = receive_batch(client, queue_url)
            if not messages:
                return
            if handle is not None:
                for message in messages:
                    handle(message)
            delete_batch(client, queue_url, messages)
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


def drain_inline(endpoint_url: str, queue_url: str, expected: int) -> Rate:
    """
    The floor's one-thread loop doing the library's per-message work in place of nothing: each
    received message parsed by `sqs_consumer.parse` and handled by `process_message` (trivial
    handler), on a daemon's graph. No engine, no other thread: what parsing and dispatch alone
    add to the floor's CPU, whatever engine runs them.
    """
    graph = engine_graph(endpoint_url, queue_url, 1)
    consumer, dispatcher = graph.sqs_consumer, graph.sqs_message_dispatcher
    bound_handlers = {MEDIA_TYPE: trivial_handler}

    def handle(raw: dict) -> None:
        result = dispatcher.process_message(consumer.parse(raw), bound_handlers)
        if result.result.name != "SUCCEEDED":
            raise RuntimeError(f"inline drain: a message was not handled: {result}")

    return drain_with_floor(endpoint_url, queue_url, expected, 1, handle=handle)


def drain_pipelined(endpoint_url: str, queue_url: str, expected: int, timeout: float = 600.0) -> Rate:
    """
    Raw boto3 on two threads: one receives (10, long poll 1 s) and hands each batch on, one
    deletes it with DeleteMessageBatch. Nothing is parsed or handled: what receiving ahead on a
    thread of its own costs in CPU, next to the one-thread floor.
    """
    client = raw_client("sqs", endpoint_url, pool_size=6)
    batches: Queue = Queue(maxsize=2)
    deleted = [0]
    stopping = Event()

    def receive() -> None:
        while not stopping.is_set():
            messages = receive_batch(client, queue_url)
            if not messages:
                return
            batches.put(messages)

    def delete() -> None:
        while not stopping.is_set():
            try:
                messages = batches.get(timeout=0.1)
            except Empty:
                continue
            delete_batch(client, queue_url, messages)
            deleted[0] += len(messages)

    threads = [Thread(target=receive, name="bench-pipe-receive", daemon=True),
               Thread(target=delete, name="bench-pipe-delete", daemon=True)]
    cpu_start, start = process_time(), perf_counter()
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: deleted[0] >= expected, timeout, "pipelined floor")
        seconds, cpu_seconds = perf_counter() - start, process_time() - cpu_start
    finally:
        stopping.set()
        for thread in threads:
            thread.join(30)
    return Rate(expected, seconds, 0, cpu_seconds)
