"""The shipped systemd unit (verified or parsed) and sd_notify READY/STOPPING/WATCHDOG over NOTIFY_SOCKET."""
import shlex
import signal
import socket
import subprocess
import tempfile
from configparser import ConfigParser
from pathlib import Path
from time import monotonic

import pytest

from microcosm_pubsub.systemd import UNIT_NAME, unit_text
from svc_support import pubsub_command, systemd_analyze


def parse_unit(text: str) -> ConfigParser:
    """An INI view of a unit file (systemd allows repeated keys; these checks do not need them)."""
    parser = ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    parser.optionxform = str
    parser.read_string(text)
    return parser


def test_pubsub_systemd_unit_prints_the_shipped_unit():
    """`pubsub systemd-unit` prints the template unit shipped in the package."""
    printed = subprocess.run([*pubsub_command(), "systemd-unit"], capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0
    assert printed.stdout == unit_text()


def test_unit_declares_notify_restart_and_the_consume_command():
    """The unit has its sections, Type=notify, Restart=on-failure, and runs `pubsub consume --config <dir>/%i.toml`."""
    unit = parse_unit(unit_text())

    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert service["Restart"] == "on-failure"
    assert float(service["RestartSec"]) > 0
    command = shlex.split(service["ExecStart"])
    assert command[command.index("pubsub"):command.index("--config")] == ["pubsub", "consume"]
    config = Path(command[command.index("--config") + 1])
    assert config.is_absolute() and config.name == "%i.toml"
    assert service["KillSignal"] == "SIGTERM" and int(service["WatchdogSec"]) > 0
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(not systemd_analyze(), reason="systemd-analyze is not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path):
    """`systemd-analyze verify` accepts an instance of the template (keys newer than this systemd only warn)."""
    instance = tmp_path / UNIT_NAME.replace("@", "@orders")
    instance.write_text(unit_text())

    verified = subprocess.run([systemd_analyze(), "verify", str(instance)], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    problems = [line for line in verified.stderr.splitlines() if line.strip() and "Unknown key" not in line]
    assert problems == []


@pytest.fixture
def notify_socket():
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET (short path: sun_path is 108 bytes)."""
    directory = tempfile.mkdtemp(prefix="svc-", dir="/tmp")
    path = str(Path(directory) / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    yield sock, path
    sock.close()
    Path(path).unlink(missing_ok=True)
    Path(directory).rmdir()


def receive_until(sock, wanted: str, timeout: float) -> list[str]:
    """Datagrams received until one equals `wanted` (included) or the timeout passes."""
    received: list[str] = []
    deadline = monotonic() + timeout
    while wanted not in received and monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - monotonic()))
        try:
            received.append(sock.recv(1024).decode())
        except socket.timeout:
            break
    return received


def test_sd_notify_ready_watchdog_stopping(svc_broker, svc_consume, notify_socket):
    """Under NOTIFY_SOCKET a consumer sends READY=1, WATCHDOG=1 pings (WATCHDOG_USEC set), STOPPING=1 on SIGTERM."""
    sock, path = notify_socket
    queue_url = svc_broker.queue()
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", queue_url,
                        NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")

    before_ready = receive_until(sock, "READY=1", 20)
    assert before_ready[-1:] == ["READY=1"], child.log()
    pings = receive_until(sock, "never", 1.0)
    assert pings.count("WATCHDOG=1") >= 2
    child.signal(signal.SIGTERM)
    assert "STOPPING=1" in receive_until(sock, "STOPPING=1", 10)
    assert child.wait() == 0


def test_sd_notify_without_watchdog_sends_no_pings(svc_broker, svc_consume, notify_socket):
    """Without WATCHDOG_USEC the consumer sends READY=1 and STOPPING=1 only."""
    sock, path = notify_socket
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", svc_broker.queue(), NOTIFY_SOCKET=path)

    assert receive_until(sock, "READY=1", 20) == ["READY=1"], child.log()
    child.signal(signal.SIGTERM)
    assert receive_until(sock, "STOPPING=1", 10) == ["STOPPING=1"]
    assert child.wait() == 0
