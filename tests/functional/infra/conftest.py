"""
Fixtures for the infra functional tests: moto's SQS made fast enough for 500-message queues,
and a runner for `pubsub` and the sample daemon as subprocesses on the shared moto server.

"""
import sys
import time
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
from daemon_support import REGION, Daemon, DaemonLauncher


ENTRY = Path(__file__).resolve().parent / "infra_entry.py"
# the sample consumers live with the unit tests; `pubsub infra --daemon infra_sample:...` imports them
SAMPLES = Path(__file__).resolve().parents[2] / "unit" / "infra"
if str(SAMPLES) not in sys.path:
    sys.path.append(str(SAMPLES))


@pytest.fixture(autouse=True)
def fast_moto_sqs(monkeypatch):
    """
    moto 5.2.5 recomputes every queue attribute (a scan of all messages, each timestamp built
    from a datetime) for each message it sends or receives, so a 500-message queue costs
    seconds per batch. Same answers, cheaper clock and retention check.
    """
    from moto.sqs import models

    monkeypatch.setattr(models, "unix_time", lambda dt=None: time.time())
    monkeypatch.setattr(models, "unix_time_millis", lambda dt=None: time.time() * 1000)
    monkeypatch.setattr(models.SQSBackend, "is_message_valid_based_on_retention_period",
                        lambda self, queue_name, message: int(self.get_queue(queue_name).message_retention_period)
                        + message.sent_timestamp / 1000 > time.time())


@pytest.fixture
def run_entry(moto_endpoint, start_daemon: DaemonLauncher) -> Callable[..., Daemon]:
    """`run_entry("cli", *pubsub args)` or `run_entry("daemon", *daemon args, env=...)`: a subprocess."""
    def run(kind: str, *args: str, env: Any = None) -> Daemon:
        return start_daemon(moto_endpoint, kind, *args, env=env, script=ENTRY)
    return run


@pytest.fixture
def clients(moto_endpoint, aws_environment) -> tuple[Any, Any]:
    """(sqs, sns) boto3 clients on the moto server."""
    return tuple(boto3.client(service, endpoint_url=moto_endpoint, region_name=REGION) for service in ("sqs", "sns"))


@pytest.fixture
def pubsub(moto_endpoint, aws_environment, capsys) -> Callable[..., tuple[int, str]]:
    """`pubsub(*args)` runs the CLI in this process against the moto server: (exit code, stdout)."""
    from microcosm_pubsub.main import main

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(["--endpoint-url", moto_endpoint, *args])
        printed = capsys.readouterr()
        return exit_info.value.code, printed.out + printed.err
    return run
