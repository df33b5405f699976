"""The shipped examples run end to end on their embedded moto demo."""
import os
import subprocess
import sys
import tomllib

from svc_support import EXAMPLES


def run_example(name: str, *args: str) -> str:
    """Run an example with none of the developer's AWS settings (it brings its own moto)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          timeout=90, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_callback_consumer_example():
    """The function callback prints all three messages; the class callback saves two and drops the spam."""
    output = run_example("callback_consumer.py")
    assert output.count("printer: ") == 3
    assert output.count("consumer exited with 0") == 2
    saved = output.split("messages.jsonl:\n", 1)[1].splitlines()
    assert len(saved) == 2 and not any("spam" in line for line in saved)


def test_service_example():
    """The client's ping, echo and fail calls get pong, the words and a RemoteError; `nobody` times out."""
    output = run_example("service_example.py", "demo")
    assert "ping -> pong" in output
    assert "echo -> ['hello', 'world']" in output
    assert "fail -> RemoteError NotImplementedError: I was never created" in output
    assert "nobody -> ServiceTimeout" in output
    assert "service exited with 0" in output


def test_example_unit_config_is_valid_toml():
    """`examples/orders.toml` names a callback, a queue and a consumer_config section."""
    config = tomllib.loads((EXAMPLES / "orders.toml").read_text())
    assert config["callback"] == "callback_consumer:SaveMessage"
    assert {"sqs_consumer", "consumer_config"} <= set(config)
