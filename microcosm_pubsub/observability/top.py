"""
`pubsub top`: a live view of consumers and queues, refreshed every second.

    pubsub top --health-url http://127.0.0.1:9000 [--health-url ...] [--queue-url URL ...]

Per daemon (one line each): messages per second by media type and outcome, in flight, errors
(FAILED results, broker errors, refused deletes). Per queue: messages waiting, in flight, the
age of the oldest (CloudWatch's `ApproximateAgeOfOldestMessage`, "-" without it) and its DLQ's
depth. On a terminal with `rich` (the `[top]` extra) it is a table redrawn in place; otherwise
(piped, or without rich) one summary line per refresh, which logs and scripts can read.

"""
from argparse import Namespace
from sys import stdout
from time import monotonic, sleep, strftime
from typing import Any, Optional

from microcosm_pubsub.observability.top_data import DaemonSample, QueueSample, rates, sample_daemon, sample_queue


def add_top_parser(subparsers: Any) -> None:
    """The `pubsub top` subcommand."""
    parser = subparsers.add_parser("top", help="a live view of consumers (health URLs) and queues")
    parser.add_argument("--health-url", action="append", default=[],
                        help="a daemon's health address, e.g. http://127.0.0.1:9000 (repeat for several)")
    parser.add_argument("--queue-url", "--sqs-queue-url", dest="queue_url", action="append", default=[],
                        help="a queue to show the depth, oldest message and DLQ of (repeat for several)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes (default 1)")
    parser.add_argument("--iterations", type=int, default=0, help="stop after this many refreshes (0: never)")
    parser.add_argument("--plain", action="store_true", help="one summary line per refresh, even on a terminal")
    parser.set_defaults(func=run_top)


def short(url: str) -> str:
    """A health URL's host:port, a queue URL's name."""
    rest = url.split("://", 1)[-1].rstrip("/")
    return rest.rsplit("/", 1)[-1] if "/" in rest else rest


def figure(value: Optional[float], unit: str = "") -> str:
    """A number as the view shows it: whole when it is, one decimal otherwise, a dash when unknown."""
    if value is None:
        return "-"
    return f"{value:.1f}{unit}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}{unit}"


def breakdown(rate: dict) -> str:
    """`media type OUTCOME n/s` for every pair that moved, busiest first."""
    moving = sorted(((value, key) for key, value in rate.items() if value > 0), reverse=True)
    return ", ".join(f"{media} {result} {value:.1f}/s" for value, (media, result) in moving) or "idle"


def daemon_line(sample: DaemonSample, rate: dict) -> str:
    """One daemon's figures in a summary line."""
    if sample.problem:
        return f"{short(sample.url)} {sample.problem}"
    return (f"{short(sample.url)} {sum(rate.values()):.1f}/s in-flight {figure(sample.in_flight)} "
            f"errors {figure(sample.errors)} [{breakdown(rate)}]")


def queue_line(sample: QueueSample) -> str:
    """One queue's figures in a summary line."""
    if sample.problem:
        return f"queue {short(sample.url)} {sample.problem}"
    return (f"queue {short(sample.url)} depth {figure(sample.depth)} in-flight {figure(sample.in_flight)} "
            f"oldest {figure(sample.oldest_seconds, 's')} dlq {figure(sample.dlq_depth)}")


def summary_line(daemons: list, queues: list) -> str:
    """The line printed per refresh when there is no terminal (or no rich)."""
    parts = [daemon_line(sample, rate) for sample, rate in daemons] + [queue_line(sample) for sample in queues]
    return f"{strftime('%H:%M:%S')} | " + " | ".join(parts)


def rich_view(daemons: list, queues: list) -> Any:
    """The terminal view: a table of daemons and a table of queues."""
    from rich.console import Group
    from rich.table import Table

    daemon_table = Table(title=f"pubsub top  {strftime('%H:%M:%S')}", expand=True)
    for column in ("daemon", "msg/s", "in flight", "errors", "by media type and outcome"):
        daemon_table.add_column(column)
    for sample, rate in daemons:
        if sample.problem:
            daemon_table.add_row(short(sample.url), "-", "-", "-", sample.problem)
        else:
            daemon_table.add_row(short(sample.url), f"{sum(rate.values()):.1f}", figure(sample.in_flight),
                                 figure(sample.errors), breakdown(rate))
    queue_table = Table(expand=True)
    for column in ("queue", "depth", "in flight", "oldest", "dlq depth"):
        queue_table.add_column(column)
    for sample in queues:
        if sample.problem:
            queue_table.add_row(short(sample.url), "-", "-", "-", sample.problem)
        else:
            queue_table.add_row(short(sample.url), figure(sample.depth), figure(sample.in_flight),
                                figure(sample.oldest_seconds, "s"), figure(sample.dlq_depth))
    return Group(*([daemon_table] if daemons else []), *([queue_table] if queues else []))


def aws_clients(args: Namespace) -> tuple[Any, Any]:
    """SQS and CloudWatch clients from the command line's AWS options."""
    import boto3

    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    return (session.client("sqs", endpoint_url=args.endpoint_url),
            session.client("cloudwatch", endpoint_url=args.endpoint_url))


def use_rich(args: Namespace) -> bool:
    """Whether to draw the table: a terminal, rich importable, and no --plain."""
    if args.plain or not stdout.isatty():
        return False
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def run_top(args: Namespace) -> int:
    """Refresh until interrupted (or `--iterations`); exit 2 when given nothing to watch."""
    if not args.health_url and not args.queue_url:
        print("pubsub top: give at least one --health-url or --queue-url")
        return 2
    sqs, cloudwatch = aws_clients(args) if args.queue_url else (None, None)
    previous: dict = {}
    live = None
    if use_rich(args):
        from rich.live import Live

        live = Live(auto_refresh=False, redirect_stdout=False)
        live.start()
    try:
        refresh = 0
        while not args.iterations or refresh < args.iterations:
            started = monotonic()
            daemons = []
            for url in args.health_url:
                sample = sample_daemon(url)
                daemons.append((sample, rates(previous.get(url), sample)))
                previous[url] = sample
            queues = [sample_queue(sqs, cloudwatch, url) for url in args.queue_url]
            if live is not None:
                live.update(rich_view(daemons, queues), refresh=True)
            else:
                print(summary_line(daemons, queues), flush=True)
            refresh += 1
            sleep(max(0.0, args.interval - (monotonic() - started)))
    except KeyboardInterrupt:
        pass
    finally:
        if live is not None:
            live.stop()
    return 0
