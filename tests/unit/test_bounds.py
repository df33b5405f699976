"""
Numeric settings out of their range fail when the graph is built, naming the key, the value and the range.

"""
from io import StringIO
from json import dumps
from math import inf, nan

import pytest
from microcosm.api import create_object_graph
from microcosm.errors import ValidationError as MicrocosmValidationError
from microcosm.loaders import load_each, load_from_dict, load_from_environ

from microcosm_pubsub.bounds import refused_by_microcosm
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles_batch
from microcosm_pubsub.errors import ConfigurationError, PubSubError
from microcosm_pubsub.registry import BatchSpec
from microcosm_pubsub.result import MessageHandlingResultType as Result


JOB = "application/vnd.globality.pubsub._.created.bounds_job"

# (key, a value it refuses, text the error gives as the accepted range)
REFUSED = [
    ("concurrency", -5, "from 1 to 1000"),
    ("concurrency", 0, "from 1 to 1000"),
    ("concurrency", 1001, "from 1 to 1000"),
    ("async_concurrency", -1, "at least 0"),
    ("receivers", -1, "at least 0"),
    ("limit", 0, "from 1 to 10"),
    ("limit", 11, "from 1 to 10"),
    ("wait_seconds", -1, "from 0 to 20"),
    ("wait_seconds", 21, "from 0 to 20"),
    ("flush_interval_seconds", 0, "above 0"),
    ("flush_interval_seconds", -0.5, "above 0"),
    ("flush_interval_seconds", inf, "above 0 and at most 43200"),
    ("visibility_timeout_seconds", -1, "from 0 to 43200"),
    ("visibility_timeout_seconds", 43201, "from 0 to 43200"),
    ("heartbeat_max_seconds", -1, "from 0 to 43200"),
    ("heartbeat_max_seconds", 50000, "from 0 to 43200"),
    ("shutdown_timeout_seconds", -1, "from 0 to 43200"),
    ("shutdown_timeout_seconds", nan, "from 0 to 43200"),
    ("message_retry_visibility_timeout_seconds", -1, "from 0 to 43200"),
    ("message_retry_visibility_timeout_seconds", 43201, "from 0 to 43200"),
    ("connect_timeout", -1, "at least 0"),
    ("max_attempts", -1, "at least 0"),
    ("large_payload_max_bytes", 0, "at least 1"),
]

# boundary values of every checked key, all accepted
BOUNDARIES = [
    dict(concurrency=1, limit=1, wait_seconds=0, flush_interval_seconds=0.001, visibility_timeout_seconds=0,
         heartbeat_max_seconds=0, shutdown_timeout_seconds=0, message_retry_visibility_timeout_seconds=0,
         connect_timeout=0, max_attempts=0, receivers=0, async_concurrency=0, large_payload_max_bytes=1),
    dict(concurrency=1000, limit=10, wait_seconds=20, flush_interval_seconds=43200, visibility_timeout_seconds=43200,
         heartbeat_max_seconds=43200, shutdown_timeout_seconds=43200, message_retry_visibility_timeout_seconds=43200),
]


def consumer_graph(**sqs_consumer):
    return create_object_graph("test", testing=True, loader=load_from_dict(sqs_consumer=sqs_consumer))


@pytest.mark.parametrize("key, value, accepted", REFUSED)
def test_a_value_out_of_range_fails_naming_key_env_var_value_and_range(key, value, accepted):
    """Building the consumer fails with one ConfigurationError that says which key, what value, and what to use."""
    graph = consumer_graph(**{key: value})

    with pytest.raises(ConfigurationError) as raised:
        graph.sqs_consumer

    message = str(raised.value)
    assert f"sqs_consumer.{key} (TEST__SQS_CONSUMER__{key.upper()}) is {value!r}" in message
    assert accepted in message
    assert isinstance(raised.value, (PubSubError, ValueError))


@pytest.mark.parametrize("settings", BOUNDARIES)
def test_boundary_values_are_accepted_as_given(settings):
    """The ends of each range build a consumer, and the values reach it unchanged."""
    graph = consumer_graph(**settings)

    assert graph.sqs_consumer.limit == settings["limit"]
    assert graph.sqs_consumer.wait_seconds == settings["wait_seconds"]
    assert {key: graph.config.sqs_consumer[key] for key in settings} == settings


def test_strings_from_the_environment_convert_as_before(monkeypatch):
    """`TEST__SQS_CONSUMER__CONCURRENCY=8` and friends still arrive as numbers, and the consumer builds."""
    for key, text in dict(CONCURRENCY="8", LIMIT="5", WAIT_SECONDS="20", FLUSH_INTERVAL_SECONDS="0.25",
                          RECEIVERS="0", VISIBILITY_TIMEOUT_SECONDS="120").items():
        monkeypatch.setenv(f"TEST__SQS_CONSUMER__{key}", text)
    graph = create_object_graph("test", testing=True, loader=load_each(load_from_dict(), load_from_environ))

    assert graph.sqs_consumer.limit == 5 and graph.sqs_consumer.wait_seconds == 20
    config = graph.config.sqs_consumer
    assert (config.concurrency, config.flush_interval_seconds, config.receivers) == (8, 0.25, 0)
    assert config.visibility_timeout_seconds == 120


def test_a_refused_string_from_the_environment_names_its_variable(monkeypatch):
    """A number the environment gives out of range fails the same way, naming the variable to fix."""
    monkeypatch.setenv("TEST__SQS_CONSUMER__FLUSH_INTERVAL_SECONDS", "0")
    graph = create_object_graph("test", testing=True, loader=load_from_environ)

    with pytest.raises(ConfigurationError, match=r"TEST__SQS_CONSUMER__FLUSH_INTERVAL_SECONDS\) is 0\.0: use a number"):
        graph.sqs_consumer


def test_the_defaults_pass():
    """Unset keys keep their defaults, which are all within range."""
    config = consumer_graph().config.sqs_consumer

    assert (config.concurrency, config.limit, config.wait_seconds, config.receivers) == (1, 10, 1, None)


def test_a_daemon_with_a_bad_value_exits_2_before_receiving(monkeypatch):
    """A daemon prints the configuration error and exits 2 without starting its engine."""
    class BoundsDaemon(ConsumerDaemon):
        name = "bounds"

        def run_engine(self) -> int:
            raise AssertionError("the engine must not start")

    monkeypatch.setenv("BOUNDS__SQS_CONSUMER__CONCURRENCY", "-5")
    monkeypatch.setattr("sys.argv", ["bounds", "--sqs-queue-url", "queue", "--testing"])
    printed = StringIO()
    monkeypatch.setattr("microcosm_pubsub.daemon.stderr", printed)

    with pytest.raises(SystemExit) as exit_info:
        BoundsDaemon().start()

    assert exit_info.value.code == 2
    assert "sqs_consumer.concurrency (BOUNDS__SQS_CONSUMER__CONCURRENCY) is -5" in printed.getvalue()


@pytest.mark.parametrize("variable, text", [
    ("BOUNDS__SQS_CONSUMER__LIMIT", "abc"),
    ("BOUNDS__SQS_CONSUMER__FLUSH_INTERVAL_SECONDS", "fast"),
])
def test_a_daemon_given_a_value_that_is_not_a_number_exits_2_naming_it(monkeypatch, variable, text):
    """`LIMIT=abc`: exit 2 naming key, variable and value, not microcosm's traceback saying it is "Missing"."""
    class BoundsDaemon(ConsumerDaemon):
        name = "bounds"

        def run_engine(self) -> int:
            raise AssertionError("the engine must not start")

    monkeypatch.setenv(variable, text)
    monkeypatch.setattr("sys.argv", ["bounds", "--sqs-queue-url", "queue", "--testing"])
    printed = StringIO()
    monkeypatch.setattr("microcosm_pubsub.daemon.stderr", printed)

    with pytest.raises(SystemExit) as exit_info:
        BoundsDaemon().start()

    key = variable.split("__", 1)[1].lower().replace("__", ".")
    assert exit_info.value.code == 2
    assert f"configuration error: {key} ({variable}) is {text!r}, which is not of the type" in printed.getvalue()
    assert "Missing" not in printed.getvalue()


def test_microcosm_refusals_are_reworded_with_the_variable_to_set():
    """An unset required key and an unreadable value each name the environment variable; other text is kept."""
    unset = refused_by_microcosm("my-app", MicrocosmValidationError("Missing required configuration for: a.b_c"))
    unreadable = refused_by_microcosm("my-app", MicrocosmValidationError(
        "Missing required configuration for: a.b_c: \x1b[31mred"))
    other = refused_by_microcosm("my-app", MicrocosmValidationError("something else"))

    assert str(unset) == "a.b_c (MY_APP__A__B_C) is required and not set: set it in the config or the environment"
    assert str(unreadable).startswith("a.b_c (MY_APP__A__B_C) is '\\x1b[31mred', which is not of the type")
    assert str(other) == "something else"
    assert all(isinstance(error, ConfigurationError) for error in (unset, unreadable, other))


def test_negative_max_processing_attempts_fails_instead_of_skipping_everything(core_make_graph):
    """A negative attempt limit would delete every message unhandled: it fails when the dispatcher is built."""
    graph = core_make_graph(sqs_message_dispatcher=dict(message_max_processing_attempts=-1))

    with pytest.raises(ConfigurationError, match=r"sqs_message_dispatcher\.message_max_processing_attempts .* is -1"):
        graph.sqs_message_dispatcher


def test_zero_max_processing_attempts_still_means_never_skip(core_make_graph, core_broker):
    """With 0 (as with None) a message received again is handled, not SKIPPED."""
    graph = core_make_graph(sqs_message_dispatcher=dict(message_max_processing_attempts=0))
    core_broker.send(dumps(dict(mediaType=JOB, uri="https://example.com/jobs/1")))
    graph.sqs_consumer.consume()[0].nack(0)
    [message] = graph.sqs_consumer.consume()

    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: lambda content: True})

    assert message.approximate_receive_count == 2
    assert result.result is Result.SUCCEEDED


@pytest.mark.parametrize("arguments, named", [
    (dict(max_size=0), "max_size is 0: use a whole number from 1 to 1000"),
    (dict(max_size=1001), "max_size is 1001"),
    (dict(max_size="many"), "max_size is 'many'"),
    (dict(max_size=2.5), "max_size is 2.5: use a whole number"),
    (dict(max_wait_seconds=-1), "max_wait_seconds is -1: use a number of seconds from 0 to 60"),
    (dict(max_wait_seconds=nan), "max_wait_seconds is nan"),
])
def test_handles_batch_refuses_sizes_and_waits_where_declared(arguments, named):
    """`@handles_batch` fails at the decorator, naming the argument (still a PubSubError, as before)."""
    with pytest.raises(ConfigurationError, match=f"@handles_batch {named}"):
        handles_batch(JOB, **arguments)


def test_handles_batch_accepts_its_boundaries_and_numeric_strings():
    """The ends of both ranges are accepted, and numbers given as strings convert."""
    assert BatchSpec(max_size=1, max_wait_seconds=0) == BatchSpec(1, 0.0)
    assert BatchSpec(max_size=1000, max_wait_seconds=60).max_size == 1000
    assert BatchSpec(max_size="5", max_wait_seconds="0.5") == BatchSpec(5, 0.5)
