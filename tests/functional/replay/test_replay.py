"""
A daemon replays messages from standard input or a file of JSON lines, then exits 0.

"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SIMPLE = "application/vnd.globality.pubsub.simple"
LINES = [
    {"mediaType": SIMPLE, "message": "from replay 1", "timestamp": 1.0},
    {"mediaType": "application/vnd.globality.pubsub._.created.order", "uri": "http://x/orders/7"},
]


@pytest.fixture
def replay_env():
    return dict(os.environ, PYTHONPATH=str(EXAMPLES), AWS_DEFAULT_REGION="us-east-1",
                AWS_ACCESS_KEY_ID="replay", AWS_SECRET_ACCESS_KEY="replay")


def run_daemon(env, arguments, stdin=""):
    return subprocess.run([sys.executable, str(EXAMPLES / "simple_daemon.py"), *arguments], input=stdin,
                          env=env, capture_output=True, text=True, timeout=60)


def test_stdin_replay_handles_every_line_and_exits_0(replay_env):
    """`--stdin` feeds each JSON line to its handler and stops at the end of input."""
    result = run_daemon(replay_env, ["--stdin"], stdin="".join(json.dumps(line) + "\n" for line in LINES))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "handled application/vnd.globality.pubsub.simple: from replay 1" in result.stdout
    assert "handled application/vnd.globality.pubsub._.created.order: http://x/orders/7" in result.stdout


def test_file_replay_with_the_naive_envelope(replay_env, tmp_path):
    """`--sqs-queue-url FILE --envelope NaiveSQSEnvelope` replays a file of message bodies."""
    replay_file = tmp_path / "messages.jsonl"
    replay_file.write_text("".join(json.dumps(line) + "\n" for line in LINES))

    result = run_daemon(replay_env, ["--sqs-queue-url", str(replay_file), "--envelope", "NaiveSQSEnvelope"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("handled ") == 2


def test_stdin_replay_handles_every_line_of_several_batches(replay_env):
    """End of input waits for every received line to be handled: 35 lines, 35 handled, exit 0."""
    lines = [{"mediaType": SIMPLE, "message": f"line {index}", "timestamp": 1.0} for index in range(35)]

    result = run_daemon(replay_env, ["--stdin"], stdin="".join(json.dumps(line) + "\n" for line in lines))

    assert result.returncode == 0, result.stdout + result.stderr
    handled = [line for line in result.stdout.splitlines() if line.startswith("handled ")]
    assert sorted(handled) == sorted(f"handled {SIMPLE}: line {index}" for index in range(35))
