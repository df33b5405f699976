"""
argparse types shared by the daemon and `pubsub consume`, bounded by `bounds.Bounds` as config keys are.

Every number a command line takes has a range that can be meant: a typo such as
`--processes 1000000` or `--shutdown-timeout inf` is a usage error (exit 2) naming the option and
its limits, not a fork bomb or a stop that never ends.

"""
from argparse import ArgumentParser, ArgumentTypeError
from typing import Callable

from microcosm_pubsub.bounds import MAX_CONCURRENCY, MAX_SHUTDOWN_SECONDS, Bounds
from microcosm_pubsub.limits import SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, SQS_MAX_WAIT_SECONDS


# worker processes of one manager
MAX_PROCESSES = 64
MAX_PORT = 65535
# the health endpoint answers this host only unless told otherwise (its /stats is not for the world)
DEFAULT_HEALTH_HOST = "127.0.0.1"


def within(convert: Callable[[str], float], minimum: float, maximum: float, what: str) -> Callable[[str], float]:
    """An argparse type: `convert(text)`, refused with a message naming the range outside it."""
    bounds = Bounds(minimum, maximum)

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not {what}") from None
        if not bounds.admits(value):
            raise ArgumentTypeError(f"{text} is not allowed: use {what} from {minimum:g} to {maximum:g}")
        return value
    return parse


process_count = within(int, 1, MAX_PROCESSES, "a whole number")
concurrency = within(int, 1, MAX_CONCURRENCY, "a whole number")
shutdown_seconds = within(float, 0, MAX_SHUTDOWN_SECONDS, "a number of seconds")
visibility_seconds = within(int, 0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, "a whole number of seconds")
wait_seconds = within(int, 0, SQS_MAX_WAIT_SECONDS, "a whole number of seconds")
port = within(int, 1, MAX_PORT, "a port number")
# microcosm-daemon's: -1 disables its heartbeat check
heartbeat_threshold_seconds = within(int, -1, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, "a whole number of seconds")


def add_engine_arguments(parser: ArgumentParser) -> None:
    """The consume engine's options, the same on every daemon and on `pubsub consume`."""
    parser.add_argument("--concurrency", type=concurrency, default=None,
                        help=f"handlers running at once, 1 to {MAX_CONCURRENCY} (default: sqs_consumer.concurrency, 1)")
    parser.add_argument("--shutdown-timeout", type=shutdown_seconds, default=None,
                        help="seconds to let running handlers finish on SIGTERM (default 30)")
    parser.add_argument("--health-port", type=port, default=None,
                        help="serve /live, /ready and /stats on this port")
    parser.add_argument("--health-host", default=DEFAULT_HEALTH_HOST,
                        help=f"address the health port listens on (default {DEFAULT_HEALTH_HOST}: this host only)")


def limit_inherited_arguments(parser: ArgumentParser) -> None:
    """Give microcosm-daemon's numeric options (declared `type=int`, unbounded) their limits."""
    limits = {"--processes": process_count, "--healthcheck-port": port,
              "--heartbeat-threshold-seconds": heartbeat_threshold_seconds}
    for action in parser._actions:
        for option in action.option_strings:
            if option in limits:
                action.type = limits[option]
