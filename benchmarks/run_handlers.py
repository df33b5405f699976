"""
The run.py sections for async handlers (7), batch handlers (8) and warm Lambda events (9).

"""
import json
import os
import subprocess
import sys
from statistics import median
from typing import Any

from handlers import async_cases, batch_cases


HERE = os.path.dirname(os.path.abspath(__file__))


def timed_runs(args: Any, broker: Any, body: str, cases: dict, drained: Any, progress: Any) -> dict[str, list]:
    """Each case once per run, interleaved, each on a fresh queue; (rate, most threads) per run."""
    results: dict[str, list] = {name: [] for name in cases}
    for run in range(args.runs):
        for name, (count, drain) in cases.items():
            results[name].append(drained(broker, body, count, drain))
            progress(f"run {run + 1}/{args.runs} {name}: {results[name][-1][0].rate:.0f} msgs/s, "
                     f"{results[name][-1][1]} threads")
    return results


def run_async(args: Any, broker: Any, body: str, table: Any, drained: Any, progress: Any, spread: Any) -> None:
    n, slow_n = args.async_messages, args.slow_messages
    results = timed_runs(args, broker, body, async_cases(broker.endpoint_url, n, slow_n), drained, progress)
    rates = {name: [rate for rate, _ in runs] for name, runs in results.items()}
    table.section(7, f"async handler awaiting asyncio.sleep(0.02) at c200, {n} preloaded msgs (msgs/s)")
    vs_trivial = median(a.rate / t.rate for a, t in zip(rates["async_c200"], rates["trivial_c8"]))
    vs_sleep = median(a.rate / s.rate for a, s in zip(rates["async_c200"], rates["sleep_c1"]))
    ours = spread([r.rate for r in rates["async_c200"]], "{:.0f}")
    table.add(7, "async c200 vs trivial sync c8", ours, spread([r.rate for r in rates["trivial_c8"]], "{:.0f}"),
              f"{vs_trivial:.0%}", ">= 90%", vs_trivial >= 0.90)
    table.add(7, f"async c200 vs time.sleep(0.02) c1 ({slow_n} msgs)", ours,
              spread([r.rate for r in rates["sleep_c1"]], "{:.0f}"), f"{vs_sleep:.1f}x", ">= 10x", vs_sleep >= 10)
    threads = max(most for _, most in results["async_c200"])
    table.add(7, "most threads alive during the async drain", str(threads), "", "", "< 100", threads < 100)
    table.add(7, "client CPU µs/msg, async c200 vs trivial c8",
              spread([r.cpu_microseconds_per_message for r in rates["async_c200"]], "{:.0f}"),
              spread([r.cpu_microseconds_per_message for r in rates["trivial_c8"]], "{:.0f}"))


def run_batch(args: Any, broker: Any, body: str, table: Any, drained: Any, progress: Any, spread: Any) -> None:
    n, slow_n, concurrency = args.batch_messages, args.slow_messages, 1
    results = timed_runs(args, broker, body, batch_cases(broker.endpoint_url, n, slow_n, concurrency), drained,
                         progress)
    rates = {name: [rate for rate, _ in runs] for name, runs in results.items()}
    table.section(8, f"batch handler, 20 ms per call of up to 10, vs 20 ms per message, both c{concurrency} (msgs/s)")
    speedup = median(b.rate / p.rate for b, p in zip(rates["batch"], rates["per_message"]))
    table.add(8, f"@handles_batch ({n} msgs) vs per-message ({slow_n} msgs)",
              spread([r.rate for r in rates["batch"]], "{:.0f}"),
              spread([r.rate for r in rates["per_message"]], "{:.0f}"),
              f"{speedup:.1f}x", ">= 5x", speedup >= 5)


def lambda_figures(python: str, records: int, events: int) -> dict:
    completed = subprocess.run(
        [python, os.path.join(HERE, "lambda_warm.py"), "--records", str(records), "--events", str(events)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd="/tmp", timeout=600, check=True,
    )
    return json.loads(completed.stderr.strip().splitlines()[-1])


def run_lambda(args: Any, table: Any, progress: Any, spread: Any) -> None:
    ours, theirs = [], []
    earlier = args.earlier_python if os.path.exists(args.earlier_python) else None
    for run in range(args.runs):
        ours.append(lambda_figures(sys.executable, 10, args.lambda_events))
        if earlier:
            theirs.append(lambda_figures(earlier, 1, args.lambda_events))
        progress(f"run {run + 1}/{args.runs} lambda: ours {ours[-1]}" + (f", earlier {theirs[-1]}" if earlier else ""))
    table.section(9, f"warm Lambda container, trivial handler, {args.lambda_events} events per run (ms per event)")
    floor = spread([t["p50_ms"] for t in theirs], "{:.2f}") if theirs else "not measured"
    ratio = median(o["p50_ms"] / t["p50_ms"] for o, t in zip(ours, theirs)) if theirs else None
    table.add(9, "p50, 10-record event vs the earlier library's 1-record event",
              spread([o["p50_ms"] for o in ours], "{:.2f}"), floor, f"{ratio:.0%}" if ratio else "", "< 100%",
              None if ratio is None else ratio < 1)
    builds = median(o["builds_per_event"] for o in ours)
    table.add(9, "graph builds per warm event", f"{builds:g}",
              f"{median(t['builds_per_event'] for t in theirs):g}" if theirs else "", "", "0", builds == 0)
