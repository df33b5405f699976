"""
The daemon's command line refuses values that would silently change its behaviour.

"""
import pytest

from microcosm_pubsub.daemon import ConsumerDaemon


class ArgumentsDaemon(ConsumerDaemon):
    name = "arguments"


@pytest.mark.parametrize("arguments", [
    ["--concurrency", "0"],
    ["--concurrency", "-2"],
    ["--concurrency", "many"],
    ["--shutdown-timeout", "-5"],
    ["--shutdown-timeout", "soon"],
])
def test_bad_values_exit_2_naming_the_flag(arguments, capsys):
    """A count below 1 or a negative timeout is a usage error that names the flag."""
    with pytest.raises(SystemExit) as exit_info:
        ArgumentsDaemon().make_arg_parser().parse_args(arguments)

    assert exit_info.value.code == 2
    assert arguments[0] in capsys.readouterr().err


def test_good_values_are_parsed():
    """Valid values come through as numbers."""
    args = ArgumentsDaemon().make_arg_parser().parse_args(["--concurrency", "8", "--shutdown-timeout", "0"])

    assert (args.concurrency, args.shutdown_timeout) == (8, 0.0)
