"""
What the observability extras cost per message when installed but not configured.

Two variants, each in its own interpreter so that neither sees the other's imports:
- without: opentelemetry and prometheus_client fail to import (as if never installed);
- with: both installed, no tracer provider or exporter configured (OpenTelemetry's default
  no-op provider), Prometheus metrics recorded (the default).

Each round measures, in µs per message, parse + dispatch (as the engine's workers run them; see
`dispatch.py`) and produce (encode, route and Publish to a MagicMock client). Rounds alternate
the variants so a loaded machine slows both alike; the figures are medians over the rounds, and
the target is `with` within 10% of `without`.

    python benchmarks/observability.py [--rounds 7] [--messages 20000]

"""
import json
import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from statistics import median
from time import perf_counter

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.10


def measure(count: int) -> dict:
    """One variant in this interpreter: µs per message of parse + dispatch, and of produce."""
    sys.path.insert(0, str(HERE))
    from dispatch import dispatch_costs
    from messages import MEDIA_TYPE, testing_graph

    costs = dispatch_costs(count)
    producer = testing_graph().sns_producer
    start = perf_counter()
    for index in range(count):
        producer.produce(MEDIA_TYPE, uri=f"https://example.com/things/{index}")
    return dict(parse_and_dispatch=costs["parse_and_dispatch"], produce=(perf_counter() - start) * 1e6 / count)


def run_variant(variant: str, count: int) -> dict:
    """`measure` in a fresh interpreter; `without` blocks the extras' imports first."""
    block = "import sys; sys.modules.update(opentelemetry=None, prometheus_client=None); "
    block = block if variant == "without" else ""
    code = f"{block}import sys; sys.path.insert(0, {str(HERE)!r}); import observability as o, json; " \
           f"print(json.dumps(o.measure({count})))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()
    figures: dict = {"without": [], "with": []}
    for round_number in range(args.rounds):
        for variant in (("without", "with") if round_number % 2 == 0 else ("with", "without")):
            figures[variant].append(run_variant(variant, args.messages))
        print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'µs per message (median of ' + str(args.rounds) + ')':<36}{'without':>10}{'with':>10}{'ratio':>8}")
    missed = []
    for key in ("parse_and_dispatch", "produce"):
        without = median(run[key] for run in figures["without"])
        with_extras = median(run[key] for run in figures["with"])
        ratio = with_extras / without
        verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
        if verdict == "MISS":
            missed.append(key)
        print(f"{key:<36}{without:>10.1f}{with_extras:>10.1f}{ratio:>8.3f}  {verdict}")
    print(f"target: with extras <= {TARGET_RATIO:.2f} x without; missed: {', '.join(missed) or 'none'}")


if __name__ == "__main__":
    main()
