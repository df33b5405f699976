"""
microcosm_pubsub benchmarks: the consume engine and the producer against the raw-boto3 floor on
a local moto broker. Prints one table of medians (see benchmarks/README.md).

    python benchmarks/run.py [--quick] [--runs 3] [--messages N]

"""
import argparse
import logging
import platform
import sys
from os.path import dirname, abspath
from statistics import median
from time import perf_counter
from typing import Any, Callable, Optional

sys.path.insert(0, dirname(abspath(__file__)))

from broker import Broker, moto_broker, use_fake_credentials  # noqa: E402
from consume import drain_inline, drain_pipelined, drain_with_engine, drain_with_floor  # noqa: E402
from dispatch import dispatch_costs  # noqa: E402
from drop_in import handle_batch_costs  # noqa: E402
from memory import rss_growth  # noqa: E402
from messages import sleeping_handler, sns_notification_body, trivial_handler  # noqa: E402
from publish import publish_rates  # noqa: E402
from run_handlers import run_async, run_batch, run_lambda  # noqa: E402


SLOW_HANDLER_SECONDS = 0.020
CALLS_TITLE = "API calls per message, counted by a botocore before-call hook on the client doing the work"
SCENARIOS = ("drain", "slow", "publish", "dispatch", "rss", "async", "batch", "lambda")
DEFAULTS = dict(messages=2000, slow_messages=300, publish_messages=1000, dispatch_messages=20000,
                rss_messages=100000, async_messages=5000, batch_messages=1000, lambda_events=200)
QUICK = dict(messages=1000, slow_messages=80, publish_messages=300, dispatch_messages=10000,
             rss_messages=20000, async_messages=2000, batch_messages=500, lambda_events=100)
EARLIER_PYTHON = "/tmp/oldpubsub/bin/python"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller counts (under 2 minutes on 2 cores)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are printed (default 3)")
    parser.add_argument("--messages", type=int, help="messages per trivial drain (default 2000; quick 1000)")
    parser.add_argument("--slow-messages", type=int,
                        help="messages per 20 ms drain at concurrency 1; concurrency 16 drains 5x as many "
                             "(default 300; quick 80)")
    parser.add_argument("--publish-messages", type=int,
                        help="messages per produce()/publish loop; the bulk loops send twice as many "
                             "(default 1000; quick 300)")
    parser.add_argument("--dispatch-messages", type=int, help="messages per in-process run (default 20000)")
    parser.add_argument("--rss-messages", type=int, help="messages drained for RSS (default 100000; quick 20000)")
    parser.add_argument("--async-messages", type=int, help="messages per async drain (default 5000; quick 2000)")
    parser.add_argument("--batch-messages", type=int, help="messages per batch-handler drain (default 1000)")
    parser.add_argument("--lambda-events", type=int, help="warm Lambda events per run (default 200)")
    parser.add_argument("--earlier-python", default=EARLIER_PYTHON,
                        help="a Python with the earlier microcosm-pubsub installed, for the Lambda floor "
                             f"(default {EARLIER_PYTHON})")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated scenarios to run, of {','.join(SCENARIOS)} (default all)")
    parser.add_argument("--broker", choices=("process", "thread"), default="process",
                        help="run moto in a child process (default) or in a thread of this process")
    parser.add_argument("--raw-moto", action="store_true",
                        help="do not patch moto's SQS hot spots (fast_moto.py); drains become moto-bound")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="make moto wait this long before every answer, like a network round trip (default 0)")
    parser.add_argument("--subscribed-topic", action="store_true",
                        help="publish to a topic with an SQS subscription (moto's fan-out then dominates)")
    args = parser.parse_args()
    for name, default in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown or args.runs < 1:
        parser.error(f"unknown scenarios {sorted(unknown)}" if unknown else "--runs must be at least 1")
    return args


class Table:
    """Sections of rows (figure, ours, floor, ratio, target, mark), printed in section order."""

    HEADER = ("figure", "ours", "raw floor", "ours/floor", "target", "")

    def __init__(self) -> None:
        self.titles: dict[int, str] = {}
        self.sections: dict[int, list[tuple[str, ...]]] = {}
        self.misses: list[str] = []

    def section(self, number: int, title: str) -> None:
        self.titles[number] = f"{number}. {title}"

    def add(self, number: int, figure: str, ours: str, floor: str = "", ratio: str = "", target: str = "",
            passed: Optional[bool] = None) -> None:
        mark = "" if passed is None else ("PASS" if passed else "MISS")
        if passed is False:
            self.misses.append(f"{number}. {figure.strip()}")
        self.sections.setdefault(number, []).append((f"   {figure}", ours, floor, ratio, target, mark))

    def render(self) -> str:
        rows = [row for number in sorted(self.sections)
                for row in [(self.titles.get(number, f"{number}."),), *self.sections[number]]]
        full = [row for row in rows if len(row) > 1] + [self.HEADER]
        widths = [max(len(row[index]) for row in full) for index in range(len(self.HEADER))]

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) if index == 0 else cell.rjust(width)
                             for index, (cell, width) in enumerate(zip(row, widths))).rstrip()

        rule = "-" * len(line(self.HEADER))
        return "\n".join([line(self.HEADER), rule, *(row[0] if len(row) == 1 else line(row) for row in rows), rule])


def spread(values: list[float], fmt: str) -> str:
    return f"{fmt.format(median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]" \
        if len(values) > 1 else fmt.format(values[0])


def ratio_of_runs(ours: list[Any], floor: list[Any]) -> float:
    """The median of per-run ratios: each run's figure against the floor measured beside it."""
    return median(mine.rate / theirs.rate for mine, theirs in zip(ours, floor))


def drained(broker: Broker, body: str, count: int, drain: Callable[[str], Any]) -> Any:
    """Fill a fresh queue with `count` messages, drain it, delete it."""
    with broker.queue("bench-drain") as queue_url:
        broker.fill(queue_url, body, count)
        return drain(queue_url)


def run_drains(args: argparse.Namespace, broker: Broker, body: str, table: Table) -> None:
    url = broker.endpoint_url
    slow = sleeping_handler(SLOW_HANDLER_SECONDS)

    def sleep_raw(message: dict) -> None:
        slow(message)

    cases: dict[str, tuple[int, Callable[[str], Any]]] = {}
    n = args.messages
    if "drain" in args.only:
        cases.update({
            "floor_t1": (n, lambda q: drain_with_floor(url, q, n, 1)),
            "engine_c1": (n, lambda q: drain_with_engine(url, q, n, 1, trivial_handler)),
            "floor_t8": (n, lambda q: drain_with_floor(url, q, n, 8)),
            "engine_c8": (n, lambda q: drain_with_engine(url, q, n, 8, trivial_handler)),
            "inline_t1": (n, lambda q: drain_inline(url, q, n)),
            "pipelined_t2": (n, lambda q: drain_pipelined(url, q, n)),
        })
    s1, s16 = args.slow_messages, args.slow_messages * 5
    if "slow" in args.only:
        cases.update({
            "slow_floor_t1": (s1, lambda q: drain_with_floor(url, q, s1, 1, handle=sleep_raw)),
            "slow_engine_c1": (s1, lambda q: drain_with_engine(url, q, s1, 1, slow)),
            "slow_floor_t16": (s16, lambda q: drain_with_floor(url, q, s16, 16, handle=sleep_raw)),
            "slow_engine_c16": (s16, lambda q: drain_with_engine(url, q, s16, 16, slow)),
        })
    if not cases:
        return
    # warm-up (imports, first connections), not reported
    drained(broker, body, 200, lambda q: drain_with_floor(url, q, 200, 1))
    drained(broker, body, 200, lambda q: drain_with_engine(url, q, 200, 1, trivial_handler))
    results: dict[str, list] = {name: [] for name in cases}
    for run in range(args.runs):
        for name, (count, drain) in cases.items():
            results[name].append(drained(broker, body, count, drain))
            progress(f"run {run + 1}/{args.runs} {name}: {results[name][-1].rate:.0f} msgs/s")

    if "drain" in args.only:
        table.section(1, f"drain {n} queued messages, trivial handler (msgs/s; floor: receive 10 + "
                         "DeleteMessageBatch per thread)")
        for concurrency, target in ((1, 0.70), (8, 0.85)):
            ours, floor = results[f"engine_c{concurrency}"], results[f"floor_t{concurrency}"]
            ratio = ratio_of_runs(ours, floor)
            table.add(1, f"engine c{concurrency} vs floor {concurrency} thread{'s' if concurrency > 1 else ''}",
                      spread([r.rate for r in ours], "{:.0f}"), spread([r.rate for r in floor], "{:.0f}"),
                      f"{ratio:.0%}", f">= {target:.0%}", ratio >= target)
        for concurrency in (1, 8):
            ours, floor = results[f"engine_c{concurrency}"], results[f"floor_t{concurrency}"]
            cpu_ratio = median(o.cpu_seconds / f.cpu_seconds for o, f in zip(ours, floor))
            table.add(1, f"client CPU µs/msg, c{concurrency} vs {concurrency} thread{'s' if concurrency > 1 else ''}",
                      spread([r.cpu_microseconds_per_message for r in ours], "{:.0f}"),
                      spread([r.cpu_microseconds_per_message for r in floor], "{:.0f}"),
                      f"{cpu_ratio:.0%}", "<= 110%", cpu_ratio <= 1.10)
        for name, label in (("pipelined_t2", "raw receive and delete on 2 threads"),
                            ("inline_t1", "floor 1 thread + parse + process_message")):
            ours, floor = results[name], results["floor_t1"]
            cpu_ratio = median(o.cpu_seconds / f.cpu_seconds for o, f in zip(ours, floor))
            table.add(1, f"client CPU µs/msg, {label} (reference)",
                      spread([r.cpu_microseconds_per_message for r in ours], "{:.0f}"),
                      spread([r.cpu_microseconds_per_message for r in floor], "{:.0f}"), f"{cpu_ratio:.0%}")
    if "slow" in args.only:
        table.section(2, f"drain, handler sleeping 20 ms (msgs/s; c1: {s1} msgs, c16: {s16} msgs; "
                      "floor threads handle their 10 in turn)")
        for concurrency in (1, 16):
            ours, floor = results[f"slow_engine_c{concurrency}"], results[f"slow_floor_t{concurrency}"]
            table.add(2, f"engine c{concurrency} vs floor {concurrency} thread{'s' if concurrency > 1 else ''}",
                      spread([r.rate for r in ours], "{:.0f}"), spread([r.rate for r in floor], "{:.0f}"),
                      f"{ratio_of_runs(ours, floor):.0%}", f"ideal {concurrency / SLOW_HANDLER_SECONDS:.0f}/s")
        speedup = median(c16.rate / c1.rate for c16, c1 in zip(results["slow_engine_c16"], results["slow_engine_c1"]))
        floor_speedup = median(t16.rate / t1.rate
                               for t16, t1 in zip(results["slow_floor_t16"], results["slow_floor_t1"]))
        table.add(2, "speed-up c16/c1 (same run)", f"{speedup:.1f}x", f"{floor_speedup:.1f}x", "", ">= 8x",
                  speedup >= 8)
    table.section(5, CALLS_TITLE)
    for label, ours, floor, limit in (
        ("trivial c1", "engine_c1", "floor_t1", 0.22), ("trivial c8", "engine_c8", "floor_t8", 0.22),
        ("20 ms c1", "slow_engine_c1", "slow_floor_t1", None), ("20 ms c16", "slow_engine_c16", "slow_floor_t16", None),
    ):
        if ours in results:
            calls = median(r.calls_per_message for r in results[ours])
            floor_calls = median(r.calls_per_message for r in results[floor])
            table.add(5, f"SQS calls/msg, drain {label}", f"{calls:.3f}", f"{floor_calls:.3f}", "",
                      f"<= {limit}" if limit else "", None if limit is None else calls <= limit)


def run_publish(args: argparse.Namespace, broker: Broker, table: Table) -> None:
    single, bulk = args.publish_messages, args.publish_messages * 2
    publish_rates(broker, 50, 100, 100, args.subscribed_topic)  # warm-up
    runs = []
    for run in range(args.runs):
        runs.append(publish_rates(broker, single, bulk, 100, args.subscribed_topic))
        progress(f"run {run + 1}/{args.runs} publish: " +
                 ", ".join(f"{name} {rate.rate:.0f}/s" for name, rate in runs[-1].items()))

    def figures(name: str) -> list:
        return [run[name] for run in runs]

    topic = "subscribed topic" if args.subscribed_topic else "topic without subscribers"
    table.section(3, f"publish from one thread to a {topic} (msgs/s)")
    table.section(5, CALLS_TITLE)
    for label, ours, floor, target in (
        (f"produce() x{single} vs raw Publish", "produce", "raw_publish", None),
        (f"produce_batch(100 each) x{bulk} vs raw PublishBatch(10)", "produce_batch", "raw_publish_batch", 0.90),
    ):
        ratio = ratio_of_runs(figures(ours), figures(floor))
        table.add(3, label, spread([r.rate for r in figures(ours)], "{:.0f}"),
                  spread([r.rate for r in figures(floor)], "{:.0f}"), f"{ratio:.0%}",
                  f">= {target:.0%}" if target else "", None if target is None else ratio >= target)
    for label, ours, floor in (("produce()", "produce", "raw_publish"), ("produce_batch()", "produce_batch",
                                                                         "raw_publish_batch")):
        table.add(3, f"client CPU µs/msg, {label}",
                  spread([r.cpu_microseconds_per_message for r in figures(ours)], "{:.0f}"),
                  spread([r.cpu_microseconds_per_message for r in figures(floor)], "{:.0f}"))
    for label, ours, floor, limit in (("produce()", "produce", "raw_publish", None),
                                      ("produce_batch()", "produce_batch", "raw_publish_batch", 0.11)):
        calls = median(r.calls_per_message for r in figures(ours))
        floor_calls = median(r.calls_per_message for r in figures(floor))
        table.add(5, f"SNS calls/msg, {label}", f"{calls:.3f}", f"{floor_calls:.3f}", "",
                  f"<= {limit}" if limit else "", None if limit is None else calls <= limit)


def run_dispatch(args: argparse.Namespace, table: Table) -> None:
    dispatch_costs(min(2000, args.dispatch_messages))  # warm-up
    runs = []
    for run in range(args.runs):
        runs.append(dispatch_costs(args.dispatch_messages))
        progress(f"run {run + 1}/{args.runs} dispatch: " + ", ".join(f"{k} {v:.1f}" for k, v in runs[-1].items()))
    table.section(4, f"in-process cost, testing-mode graph, trivial handler, {args.dispatch_messages} msgs (µs/msg)")
    for label, key, limit in (
        ("consumer.parse(raw)", "parse", None),
        ("dispatcher.process_message", "dispatch", 40.0),
        ("parse + process_message", "parse_and_dispatch", None),
        ("parse + process_message, INFO log on", "parse_and_dispatch_logged", None),
    ):
        values = [run[key] for run in runs]
        table.add(4, label, spread(values, "{:.1f}"), "", "", f"<= {limit:.0f}" if limit else "",
                  None if limit is None else median(values) <= limit)
    drop_in = [handle_batch_costs(args.dispatch_messages // 10) for _ in range(args.runs)]
    ours, floor = [run["handle_batch"] for run in drop_in], [run["floor"] for run in drop_in]
    table.add(4, "dispatcher.handle_batch, stub client, INFO log on (floor: 2 json.loads)", spread(ours, "{:.1f}"),
              spread(floor, "{:.1f}"), f"{median(f / o for o, f in zip(ours, floor)):.2f} of floor", "<= 40",
              median(ours) <= 40)
    bound = [run["bound"] for run in drop_in]
    table.add(4, "floor + one INFO result record per message (the bound for a dispatcher that logs)",
              spread(bound, "{:.1f}"), spread(floor, "{:.1f}"),
              f"{median(f / b for b, f in zip(bound, floor)):.2f} of floor")


def run_rss(args: argparse.Namespace, broker: Broker, body: str, table: Table) -> None:
    warm_up = max(1000, args.rss_messages // 20)
    result = rss_growth(broker, body, args.rss_messages, concurrency=8, warm_up=warm_up)
    growth = result["end"] - result["start"]
    progress(f"rss: {result}")
    table.section(6, f"RSS of a fresh process draining {args.rss_messages} msgs, engine c8 (MB; queue kept topped "
                  f"up; {result['messages'] / result['seconds']:.0f} msgs/s)")
    table.add(6, "VmRSS start / after warm-up / end", f"{result['start']:.1f} / {result['warm']:.1f} / "
              f"{result['end']:.1f}")
    table.add(6, "growth end - start", f"{growth:+.1f}", "", "", "< 10 MB", growth < 10)
    table.add(6, f"growth end - after {warm_up} msgs", f"{result['end'] - result['warm']:+.1f}")


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    use_fake_credentials()
    started = perf_counter()
    table = Table()
    with moto_broker(args.broker, fast=not args.raw_moto, latency_ms=args.latency_ms) as endpoint_url:
        broker = Broker(endpoint_url)
        body = sns_notification_body()
        if {"drain", "slow"} & set(args.only):
            run_drains(args, broker, body, table)
        if "publish" in args.only:
            run_publish(args, broker, table)
        if "dispatch" in args.only:
            run_dispatch(args, table)
        if "rss" in args.only:
            run_rss(args, broker, body, table)
        if "async" in args.only:
            run_async(args, broker, body, table, drained, progress, spread)
        if "batch" in args.only:
            run_batch(args, broker, body, table, drained, progress, spread)
        if "lambda" in args.only:
            run_lambda(args, table, progress, spread)
    import moto

    print(f"\nmicrocosm_pubsub benchmarks: moto {moto.__version__} on {endpoint_url} "
          f"({'child process' if args.broker == 'process' else 'in-process thread'}, SQS serialised"
          f"{'' if args.raw_moto else ', fast_moto patches'}"
          f"{f', +{args.latency_ms:g} ms per answer' if args.latency_ms else ''}); Python {platform.python_version()}; "
          f"medians of {args.runs} run{'s' if args.runs > 1 else ''} [min-max]")
    print(table.render())
    verdict = "all targets met" if not table.misses else f"missed: {'; '.join(table.misses)}"
    print(f"{verdict}  ({perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
