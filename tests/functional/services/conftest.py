"""
Fixtures for the callback-consumer, process-manager, health, service and systemd tests.

One moto server on 127.0.0.1 serves the session; each test gets its own queues and topics and
runs consumers as subprocesses whose callbacks (`svc_callbacks.py`) append JSON lines to a file.
Every wait polls with a deadline; every process a test starts is killed at teardown.

"""
import os
import signal
import subprocess
from typing import Any

import pytest

from microcosm_pubsub.testing.moto_server import moto_server
from svc_support import EXAMPLES, FAKE_CREDENTIALS, HERE, Child, SvcBroker, pubsub_command


@pytest.fixture(scope="session")
def svc_endpoint():
    """The endpoint of one moto server on 127.0.0.1 for the session (fake credentials set)."""
    patch = pytest.MonkeyPatch()
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        patch.delenv(key, raising=False)
    for key, value in FAKE_CREDENTIALS.items():
        patch.setenv(key, value)
    with moto_server() as endpoint_url:
        yield endpoint_url
    patch.undo()


@pytest.fixture
def svc_broker(svc_endpoint) -> SvcBroker:
    return SvcBroker(svc_endpoint)


@pytest.fixture
def svc_spawn(svc_endpoint, tmp_path) -> Any:
    """Start a command as a child with moto settings; `SVC_OUT` names its events file."""
    children: list[Child] = []

    def spawn(command: list[str], **env_extra: str) -> Child:
        index = len(children)
        log_path, out_path = tmp_path / f"child{index}.log", tmp_path / f"child{index}.jsonl"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "NOTIFY_", "WATCHDOG_"))}
        env.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=svc_endpoint, SVC_OUT=str(out_path), PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), str(EXAMPLES), os.environ.get("PYTHONPATH")])))
        env.update(env_extra)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       cwd=str(tmp_path), start_new_session=True)
        child = Child(process, log_path, out_path)
        children.append(child)
        return child

    yield spawn
    for child in children:
        if child.process.poll() is None:
            os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait(10)
        else:
            try:
                os.killpg(child.process.pid, signal.SIGKILL)  # orphaned workers of a manager
            except ProcessLookupError:
                pass


@pytest.fixture
def svc_consume(svc_spawn) -> Any:
    """Start `pubsub consume ARGS...` as a child."""
    def consume(*args: str, **env_extra: str) -> Child:
        return svc_spawn([*pubsub_command(), "consume", *args], **env_extra)
    return consume
