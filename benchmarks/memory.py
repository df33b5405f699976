"""
Resident memory of a consuming process, before and after draining many messages.

The engine runs alone in a fresh child process (`python benchmarks/memory.py ...`), so nothing
the other scenarios allocated is counted or reused; it reads VmRSS from /proc/self/status at
start (engine built, nothing received), after a warm-up share of the messages, and once all are
deleted. The parent keeps the queue topped up (SendMessageBatch from several threads, between 1k
and 3k deep) instead of queueing everything first, because moto's receive still scans the whole
queue on every call.

"""
import argparse
import gc
import json
import subprocess
import sys
from os.path import abspath
from threading import Thread
from time import perf_counter, sleep
from typing import Any

from broker import Broker


LOW_WATER = 1000
TOP_UP = 2000


def rss_megabytes() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def rss_growth(broker: Broker, body: str, messages: int, concurrency: int, warm_up: int) -> dict[str, Any]:
    """Drain `messages` in a child process while topping the queue up; return its RSS readings."""
    with broker.queue("bench-rss") as queue_url:
        sent = min(messages, TOP_UP)
        broker.fill(queue_url, body, sent)
        child = subprocess.Popen(
            [sys.executable, abspath(__file__), "--endpoint-url", broker.endpoint_url, "--queue-url", queue_url,
             "--messages", str(messages), "--concurrency", str(concurrency), "--warm-up", str(warm_up)],
            stdout=subprocess.PIPE, text=True,
        )
        while sent < messages and child.poll() is None:
            if broker.depth(queue_url) < LOW_WATER:
                batch = min(TOP_UP, messages - sent)
                broker.fill(queue_url, body, batch)
                sent += batch
            else:
                sleep(0.05)
        output, _ = child.communicate(timeout=1800)
        if child.returncode:
            raise RuntimeError(f"the RSS child failed with exit code {child.returncode}")
        return json.loads(output.strip().splitlines()[-1])


def drain_and_measure(endpoint_url: str, queue_url: str, messages: int, concurrency: int, warm_up: int) -> dict:
    """Child process: build the engine, drain, and report RSS (MB) at start, after warm-up, at end."""
    from microcosm_pubsub.engine import ConsumeEngine

    from broker import use_fake_credentials
    from consume import engine_graph
    from messages import MEDIA_TYPE, trivial_handler
    from timing import wait_for

    use_fake_credentials()
    graph = engine_graph(endpoint_url, queue_url, concurrency)
    engine = ConsumeEngine(graph, {MEDIA_TYPE: trivial_handler}, concurrency=concurrency, shutdown_timeout=10.0)
    gc.collect()
    readings = dict(start=rss_megabytes())
    runner = Thread(target=engine.run, name="bench-engine", daemon=True)
    start = perf_counter()
    runner.start()
    wait_for(lambda: engine.stats["deleted"] >= warm_up, 600, "warm-up")
    gc.collect()
    readings["warm"] = rss_megabytes()
    wait_for(lambda: engine.stats["deleted"] >= messages, 1800, "RSS drain")
    seconds = perf_counter() - start
    gc.collect()
    readings["end"] = rss_megabytes()
    engine.request_stop()
    runner.join(30)
    return dict(readings, seconds=seconds, messages=messages, deleted=engine.stats["deleted"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warm-up", type=int, default=1000)
    args = parser.parse_args()
    result = drain_and_measure(args.endpoint_url, args.queue_url, args.messages, args.concurrency, args.warm_up)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
