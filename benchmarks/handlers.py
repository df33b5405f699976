"""
Async and batch handlers in the consume engine, each against its floor measured in the same run.

- async: N preloaded messages drained by an `async def` handler awaiting `asyncio.sleep(0.02)` at
  concurrency 200, against the trivial (sync) handler at concurrency 8 (the broker's pace) and a
  `time.sleep(0.02)` handler at concurrency 1; the most threads alive during the async drain.
- batch: a `@handles_batch(max_size=10)` handler whose call takes 20 ms (a bulk insert of 10),
  against a per-message handler taking 20 ms per message, both at the same concurrency.

Each drain is timed from starting the engine until the N-th delete (see `consume.py`).

"""
import asyncio
import threading
from threading import Thread
from time import perf_counter, process_time, sleep
from typing import Any, Callable, Optional

from microcosm_pubsub.engine import ConsumeEngine
from microcosm_pubsub.registry import BatchSpec

from consume import engine_graph
from messages import MEDIA_TYPE, sleeping_handler, trivial_handler
from timing import CallCounter, Rate, wait_for


WAIT_SECONDS = 0.020


async def awaiting_handler(content: Any) -> bool:
    await asyncio.sleep(WAIT_SECONDS)
    return True


def bulk_insert(messages: list) -> None:
    """One call for up to 10 messages, 20 ms whatever their number (a bulk insert)."""
    sleep(WAIT_SECONDS)


def drain(endpoint_url: str, queue_url: str, expected: int, concurrency: int, handler: Callable,
          batch: Optional[BatchSpec] = None, timeout: float = 600.0) -> tuple[Rate, int]:
    """Drain with the engine; the rate and the most threads seen alive while draining."""
    graph = engine_graph(endpoint_url, queue_url, concurrency)
    if batch is not None:
        graph.sqs_message_handler_registry.register(MEDIA_TYPE, handler, batch=batch)
    engine = ConsumeEngine(graph, {MEDIA_TYPE: handler}, concurrency=concurrency, shutdown_timeout=10.0)
    counter = CallCounter(graph.sqs_consumer.sqs_client, "sqs")
    runner = Thread(target=engine.run, name="bench-engine", daemon=True)
    most_threads = [0]

    def done() -> bool:
        most_threads[0] = max(most_threads[0], threading.active_count())
        return engine.stats["deleted"] >= expected

    cpu_start, start = process_time(), perf_counter()
    runner.start()
    try:
        wait_for(done, timeout, f"engine c{concurrency}")
        rate = Rate(expected, perf_counter() - start, counter.total(), process_time() - cpu_start)
    finally:
        engine.request_stop()
        runner.join(30)
    problems = {name: engine.stats[name] for name in ("failed", "retried", "resolve_failed") if engine.stats[name]}
    if problems:
        raise RuntimeError(f"engine c{concurrency} reported {problems}")
    return rate, most_threads[0]


def async_cases(url: str, n: int, slow_n: int) -> dict[str, tuple[int, Callable[[str], Any]]]:
    return {
        "trivial_c8": (n, lambda q: drain(url, q, n, 8, trivial_handler)),
        "async_c200": (n, lambda q: drain(url, q, n, 200, awaiting_handler)),
        "sleep_c1": (slow_n, lambda q: drain(url, q, slow_n, 1, sleeping_handler(WAIT_SECONDS))),
    }


def batch_cases(url: str, n: int, slow_n: int, concurrency: int) -> dict[str, tuple[int, Callable[[str], Any]]]:
    spec = BatchSpec(max_size=10, max_wait_seconds=0.05)
    return {
        "per_message": (slow_n, lambda q: drain(url, q, slow_n, concurrency, sleeping_handler(WAIT_SECONDS))),
        "batch": (n, lambda q: drain(url, q, n, concurrency, bulk_insert, batch=spec)),
    }
