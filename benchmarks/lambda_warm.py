"""
A warm Lambda container: time per event and graph builds per event, for this package or the earlier
library (whichever `microcosm_pubsub` the running Python imports).

    python benchmarks/lambda_warm.py --records 10 --events 200

Prints one JSON line to stderr (the daemons' INFO log lines go to stdout, as in Lambda): the
median and p90 milliseconds per event after a warm-up event, and the
graph builds per warm event (counted by wrapping `create_object_graph`). The earlier
`microcosm-pubsub` (3.0.0) handles only `Records[0]`; run it from its own virtualenv with
`--records 1`. A trivial handler is bound to `created("bench_job")`; each record's body is what
`produce()` publishes for it (`uri` only), raw (no SNS envelope).

"""
import argparse
import json
import os
import sys
from statistics import median
from time import perf_counter
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import microcosm_daemon.daemon as daemon_module  # noqa: E402
from microcosm.api import binding  # noqa: E402

from microcosm_pubsub.conventions import created  # noqa: E402
from microcosm_pubsub.daemon import ConsumerDaemon  # noqa: E402
from microcosm_pubsub.decorators import handles  # noqa: E402


MEDIA_TYPE = created("bench_job")
BUILDS = [0]


@handles(MEDIA_TYPE)
def bench_job_handler(content: Any) -> bool:
    return True


@binding("bench_job_handler")
def configure_bench_job_handler(graph: Any) -> Any:
    return bench_job_handler


class BenchLambdaDaemon(ConsumerDaemon):
    name = "bench_lambda"

    @property
    def components(self) -> list:
        return list(super().components) + ["bench_job_handler"]


def count_graph_builds() -> None:
    """Count every object graph a daemon builds (microcosm-daemon calls `create_object_graph`)."""
    original = daemon_module.create_object_graph

    def counted(*args: Any, **kwargs: Any) -> Any:
        BUILDS[0] += 1
        return original(*args, **kwargs)

    daemon_module.create_object_graph = counted


def event(records: int, serial: int) -> dict:
    body = json.dumps({"mediaType": MEDIA_TYPE, "uri": "http://example.com/jobs/1"})
    return {"Records": [
        {"messageId": f"m-{serial}-{index}", "receiptHandle": f"rh-{serial}-{index}", "body": body,
         "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench"}
        for index in range(records)
    ]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    sys.argv = sys.argv[:1]  # the earlier library's daemon parses the command line per record
    count_graph_builds()
    handler = BenchLambdaDaemon.make_lambda_handler()
    handler(event(args.records, -1), None)
    builds_before = BUILDS[0]
    times = []
    for serial in range(args.events):
        start = perf_counter()
        handler(event(args.records, serial), None)
        times.append((perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps(dict(records=args.records, p50_ms=median(times), p90_ms=times[int(len(times) * 0.9)],
                          builds_per_event=(BUILDS[0] - builds_before) / args.events)), file=sys.stderr)


if __name__ == "__main__":
    main()
