"""sd_notify notices: sent when systemd asks for them, and never able to stop or stall a consumer."""
import socket
import tempfile
from pathlib import Path
from time import monotonic

import pytest

from microcosm_pubsub import systemd


@pytest.fixture
def notify_socket(monkeypatch):
    """A datagram socket standing in for systemd's, named by NOTIFY_SOCKET (short path: sun_path is 108 bytes)."""
    directory = Path(tempfile.mkdtemp(prefix="sdn-", dir="/tmp"))
    path = directory / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()
    path.unlink(missing_ok=True)
    directory.rmdir()


def test_a_notice_reaches_the_socket(notify_socket):
    assert systemd.notify("READY=1") is True
    notify_socket.settimeout(5)
    assert notify_socket.recv(64) == b"READY=1"


def test_without_notify_socket_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert systemd.notify("READY=1") is False


def test_a_vanished_socket_is_logged_not_raised(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))

    assert systemd.notify("STOPPING=1") is False
    assert "could not send STOPPING=1" in caplog.text


def test_a_full_socket_costs_at_most_the_notify_timeout(notify_socket, monkeypatch):
    """Nobody reads the socket: once its queue is full a notice gives up instead of blocking."""
    monkeypatch.setattr(systemd, "NOTIFY_TIMEOUT_SECONDS", 0.2)
    queued = 0
    while systemd.notify("WATCHDOG=1") and queued < 10_000:
        queued += 1
    started = monotonic()

    assert systemd.notify("STOPPING=1") is False
    assert monotonic() - started < 5
    assert notify_socket.recv(64) == b"WATCHDOG=1", "what was queued before is still there"
