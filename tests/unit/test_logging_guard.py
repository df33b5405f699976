"""
Neither `--config` nor the environment can make microcosm-logging import a module: such keys stop
the start with exit 2 before logging is configured.

"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.logging_guard import check_logging_config


@pytest.fixture
def planted(tmp_path):
    """A module `planted_logging` that leaves a file behind when imported, and a callback beside it."""
    (tmp_path / "planted_logging.py").write_text(
        "import logging, pathlib\n"
        "pathlib.Path(__file__).with_name('imported').touch()\n"
        "class Handler(logging.StreamHandler):\n"
        "    pass\n"
        "stream = None\n"
    )
    (tmp_path / "planted_callback.py").write_text("def handle(message):\n    pass\n")
    return tmp_path


def consume(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`pubsub consume` of the planted callback, run in `directory` (nothing listens on its queue)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PUBSUB"))}
    path = os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")]))
    environment.update(PYTHONPATH=path, AWS_DEFAULT_REGION="us-east-1", **env)
    return subprocess.run(
        [sys.executable, "-c", "from microcosm_pubsub.main import main; main()", "consume",
         "--callback", "planted_callback:handle", "--sqs-queue-url", "http://127.0.0.1:9/q", *args],
        cwd=directory, env=environment, capture_output=True, text=True, timeout=60,
    )


def test_an_environment_variable_naming_a_handler_class_is_refused(planted):
    """PUBSUB_CONSUMER__LOGGING__STREAM_HANDLER__CLASS_ exits 2 naming the key, and nothing is imported."""
    run = consume(planted, PUBSUB_CONSUMER__LOGGING__STREAM_HANDLER__CLASS_="planted_logging.Handler")

    assert run.returncode == 2, run.stderr
    assert "logging.stream_handler.class_ = 'planted_logging.Handler'" in run.stderr
    assert "PUBSUB_CONSUMER__LOGGING__STREAM_HANDLER__CLASS_" in run.stderr
    assert "use logging.StreamHandler" in run.stderr
    assert not (planted / "imported").exists()


@pytest.mark.parametrize("logging_config, key", [
    ({"json_formatter": {"formatter": "planted_logging.Handler"}}, "logging.json_formatter.formatter"),
    ({"stream_handler": {"stream": "ext://planted_logging.stream"}}, "logging.stream_handler.stream"),
    ({"https_handler": {"class_": "planted_logging.Handler"}}, "logging.https_handler.class_"),
    ({"extra": {"formatters": {"any": {"()": "planted_logging.Handler"}}}}, "logging.extra.formatters.any.()"),
])
def test_a_config_file_naming_code_for_logging_is_refused(planted, logging_config, key):
    """A formatter factory, an ext:// object or a handler class in --config exits 2 and imports nothing."""
    config = planted / "consumer.json"
    config.write_text(json.dumps({"logging": logging_config}))

    run = consume(planted, "--config", str(config))

    assert run.returncode == 2, run.stderr
    assert f"configuration error: {key} = " in run.stderr
    assert not (planted / "imported").exists()


@pytest.mark.parametrize("logging_config", [
    {},
    {"level": "DEBUG", "stream_handler": {"stream": "ext://sys.stderr", "formatter": "JSONFormatter"}},
    {"stream_handler": {"class_": "logging.StreamHandler"}, "loggly": {"token": "t", "environment": "prod"}},
])
def test_the_shipped_values_and_plain_settings_pass(logging_config):
    """Levels, formats and the values microcosm-logging ships are accepted."""
    check_logging_config({"logging": logging_config}, "pubsub-consumer")


def test_the_error_is_a_configuration_error():
    """The refusal is a ConfigurationError (a PubSubError and a ValueError)."""
    with pytest.raises(ConfigurationError, match="only --callback does"):
        check_logging_config({"logging": {"stream_handler": {"class_": "os.system"}}}, "orders")
