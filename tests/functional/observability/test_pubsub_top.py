"""
`pubsub top` shows what a running daemon and its queues are doing: in a pseudo-terminal as a
table redrawn in place (rich), and piped as one summary line per refresh.

"""
import json
import subprocess
import sys
from pathlib import Path

import pexpect
from daemon_support import base_env
from test_metrics_endpoint import free_port


PUBSUB = [str(Path(sys.executable).parent / "pubsub")]


def idle_queue_with_dlq(broker) -> str:
    """A queue holding 3 messages whose DLQ holds 2, that nobody consumes."""
    suffix = broker.queue_url.rsplit("-", 1)[-1]
    dlq = broker.create_queue(f"top-dlq-{suffix}")
    policy = json.dumps(dict(deadLetterTargetArn=broker.queue_arn(dlq), maxReceiveCount="3"))
    idle = broker.create_queue(f"top-idle-{suffix}", RedrivePolicy=policy)
    for index in range(3):
        broker.send_raw({"index": index}, queue_url=idle)
    for index in range(2):
        broker.send_raw({"index": index}, queue_url=dlq)
    return idle


def start_busy_daemon(broker, start_daemon) -> str:
    """A daemon handling 60 items, 0.1 s each, so several refreshes see it busy; its health URL."""
    port = free_port()
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, "--health-port", str(port),
                          env={"FUNCTIONAL_HANDLER_SLEEP_SECONDS": "0.1"})
    assert daemon.wait_until_consuming(), daemon.output()
    broker.publish_items([f"top-{index}" for index in range(60)])
    return f"http://127.0.0.1:{port}"


def test_top_in_a_terminal_shows_rates_in_flight_depth_and_dlq(broker, start_daemon):
    """In a pty: the daemon's SUCCEEDED rate for its media type, 1 in flight, and the idle queue's 3 / DLQ 2."""
    idle = idle_queue_with_dlq(broker)
    health_url = start_busy_daemon(broker, start_daemon)
    child = pexpect.spawn(PUBSUB[0], ["--endpoint-url", broker.endpoint_url, "top", "--health-url", health_url,
                                      "--queue-url", idle, "--iterations", "30"],
                          env={**base_env(broker.endpoint_url), "TERM": "xterm", "COLUMNS": "220"},
                          dimensions=(40, 220), encoding="utf-8", timeout=40)
    try:
        # the daemon's row: its rate, one handler in flight, no errors, the rate of its media type's successes
        child.expect(r"127\.0\.0\.1:\d+\s+│\s+\d+\.\d\s+│\s+1\s+│\s+0\s+│\s+\S*functional\.item SUCCEEDED \d+\.\d/s")
        child.expect(r"top-idle-\w+\s+│\s+3\s+│\s+0\s+│\s+-\s+│\s+2\s")
    finally:
        child.terminate(force=True)


def test_top_piped_prints_one_summary_line_per_refresh(broker, start_daemon):
    """Without a terminal: one line per refresh with the daemon's rate and the queue's figures."""
    idle = idle_queue_with_dlq(broker)
    health_url = start_busy_daemon(broker, start_daemon)

    completed = subprocess.run([*PUBSUB, "--endpoint-url", broker.endpoint_url, "top", "--health-url", health_url,
                                "--queue-url", idle, "--iterations", "4", "--interval", "0.5"],
                               env=base_env(broker.endpoint_url), capture_output=True, text=True, timeout=60)

    lines = completed.stdout.strip().splitlines()
    assert completed.returncode == 0 and len(lines) == 4, completed.stdout + completed.stderr
    assert "functional.item SUCCEEDED" in " ".join(lines[1:])
    assert all("depth 3 in-flight 0 oldest - dlq 2" in line for line in lines)
    assert all(f"{health_url.split('://')[1]} " in line for line in lines)
