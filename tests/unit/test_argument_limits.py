"""
Counts and timeouts that cannot be meant (1000000 processes, nan or inf seconds) are usage errors.

"""
import pytest

from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.main import make_parser


class LimitsDaemon(ConsumerDaemon):
    name = "limits"


UNMEANT = [
    (["--processes", "1000000"], "from 1 to 64"),
    (["--processes", "0"], "from 1 to 64"),
    (["--concurrency", "1000000"], "from 1 to 1000"),
    (["--shutdown-timeout", "nan"], "from 0 to 43200"),
    (["--shutdown-timeout", "inf"], "from 0 to 43200"),
    (["--shutdown-timeout", "1000000"], "from 0 to 43200"),
    (["--health-port", "70000"], "from 1 to 65535"),
]


@pytest.mark.parametrize("arguments, limit", UNMEANT)
def test_the_daemon_refuses_values_out_of_range_naming_option_and_limit(arguments, limit, capsys):
    """A daemon's command line exits 2 with the option and its range in the error."""
    with pytest.raises(SystemExit) as exit_info:
        LimitsDaemon().make_arg_parser().parse_args(arguments)

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {arguments[0]}: {arguments[1]} is not allowed" in error and limit in error


@pytest.mark.parametrize("arguments, limit", UNMEANT)
def test_pubsub_consume_refuses_the_same_values(arguments, limit, capsys):
    """`pubsub consume` applies the same limits."""
    with pytest.raises(SystemExit) as exit_info:
        make_parser().parse_args(["consume", *arguments])

    assert exit_info.value.code == 2
    assert limit in capsys.readouterr().err


@pytest.mark.parametrize("arguments, limit", [
    (["--wait-seconds", "3600"], "from 0 to 20"),
    (["--nack-timeout", "inf"], "'inf' is not a whole number of seconds"),
    (["--nack-timeout", "100000"], "from 0 to 43200"),
])
def test_pubsub_read_refuses_waits_and_timeouts_sqs_does_not_take(arguments, limit, capsys):
    """`pubsub read` keeps its wait and nack timeout within what SQS accepts."""
    with pytest.raises(SystemExit) as exit_info:
        make_parser().parse_args(["read", "--queue-url", "queue", *arguments])

    assert exit_info.value.code == 2
    assert limit in capsys.readouterr().err


def test_values_at_the_limits_are_accepted():
    """The largest values in range come through as numbers."""
    args = LimitsDaemon().make_arg_parser().parse_args(
        ["--processes", "64", "--concurrency", "1000", "--shutdown-timeout", "43200", "--health-port", "65535"])

    assert (args.processes, args.concurrency, args.shutdown_timeout, args.health_port) == (64, 1000, 43200.0, 65535)
