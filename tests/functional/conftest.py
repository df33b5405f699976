"""
Functional fixtures: a moto server on 127.0.0.1, per-test topics and queues, and daemons run as
subprocesses (`daemons/recording_daemon.py`) whose handled messages are read back from a file.

Every wait is a poll with a deadline; every daemon a test starts is killed at teardown.

"""
from typing import Any, Callable

import pytest
from daemon_support import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION, Broker, DaemonLauncher, poll_until

from microcosm_pubsub.testing.moto_server import moto_server


@pytest.fixture
def aws_environment(monkeypatch):
    """Fake credentials and a region in this process for the test's own boto3 clients (undone after it)."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture(scope="session")
def moto_endpoint():
    """The endpoint URL of one moto server (SQS backend serialised) shared by the session."""
    with moto_server() as endpoint_url:
        yield endpoint_url


@pytest.fixture
def make_broker(moto_endpoint, aws_environment) -> Callable[..., Broker]:
    """Builds a fresh topic + subscribed queue on the shared moto server (kwargs: queue attributes)."""
    def make(**queue_attributes: str) -> Broker:
        return Broker.create(moto_endpoint, **queue_attributes)
    return make


@pytest.fixture
def broker(make_broker) -> Broker:
    """A fresh topic subscribed by a fresh queue with default attributes."""
    return make_broker()


@pytest.fixture
def start_daemon(tmp_path) -> DaemonLauncher:
    """A `DaemonLauncher` for this test; call it with an endpoint URL and daemon arguments."""
    launcher = DaemonLauncher(tmp_path)
    yield launcher
    launcher.kill_all()


@pytest.fixture(scope="session")
def wait_for() -> Callable[..., Any]:
    """`poll_until(predicate, timeout, interval=0.05)`: the predicate's first truthy value, or its last."""
    return poll_until


@pytest.fixture
def make_items(request) -> Callable[[str, int], list[str]]:
    """`make_items(prefix, count)`: unique item ids, namespaced by the test's name."""
    def make(prefix: str, count: int) -> list[str]:
        return [f"{request.node.name}-{prefix}-{index:04d}" for index in range(count)]
    return make
