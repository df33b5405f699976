"""
The engine refuses arguments out of range when it is built, and 0 or None still mean "the configured value".

Engines here are built, never started: every check happens before anything is received.

"""
import pytest

from microcosm_pubsub.engine import ConsumeEngine
from microcosm_pubsub.errors import ConfigurationError


def test_an_explicit_negative_concurrency_fails_instead_of_running_with_one(core_make_graph):
    """`concurrency=-5` used to become 1 without a word; now it names the key and the flag."""
    graph = core_make_graph()

    with pytest.raises(ConfigurationError, match=r"sqs_consumer\.concurrency \(--concurrency\) is -5: .*1 to 1000"):
        ConsumeEngine(graph, {}, concurrency=-5)


@pytest.mark.parametrize("concurrency", [0, None])
def test_zero_or_none_concurrency_means_the_configured_one(core_make_graph, concurrency):
    """As before, 0 and None take `sqs_consumer.concurrency`."""
    graph = core_make_graph(sqs_consumer=dict(concurrency=3))

    assert ConsumeEngine(graph, {}, concurrency=concurrency).concurrency == 3


def test_concurrency_given_as_a_string_converts_as_before(core_make_graph):
    """A numeric string is converted, as `int()` did."""
    assert ConsumeEngine(core_make_graph(), {}, concurrency="8").concurrency == 8


@pytest.mark.parametrize("timeout", [-1, float("inf"), 43201])
def test_a_shutdown_timeout_out_of_range_fails(core_make_graph, timeout):
    """A negative, infinite or over-12-hours drain names the key and the flag."""
    with pytest.raises(ConfigurationError, match=r"sqs_consumer\.shutdown_timeout_seconds \(--shutdown-timeout\)"):
        ConsumeEngine(core_make_graph(), {}, shutdown_timeout=timeout)


def test_no_shutdown_timeout_means_the_configured_one(core_make_graph):
    """None takes `sqs_consumer.shutdown_timeout_seconds`; 0 stays 0 (stop without waiting)."""
    graph = core_make_graph(sqs_consumer=dict(shutdown_timeout_seconds=12.5))

    assert ConsumeEngine(graph, {}, shutdown_timeout=None).shutdown_timeout == 12.5
    assert ConsumeEngine(graph, {}, shutdown_timeout=0).shutdown_timeout == 0


def test_zero_receivers_and_async_concurrency_still_mean_automatic(core_make_graph):
    """0 receivers: one per two workers, at most 4; 0 async concurrency: the thread concurrency."""
    graph = core_make_graph(sqs_consumer=dict(receivers=0, async_concurrency=0))

    engine = ConsumeEngine(graph, {}, concurrency=8)

    assert engine.receivers == 4
    assert engine.async_concurrency == 8


def test_zero_visibility_timeout_still_means_asked_of_sqs(core_make_graph, core_broker):
    """`visibility_timeout_seconds=0` reads the queue's own timeout, which the heartbeat then uses."""
    core_broker.sqs.set_queue_attributes(QueueUrl=core_broker.queue_url, Attributes=dict(VisibilityTimeout="45"))
    graph = core_make_graph(sqs_consumer=dict(visibility_timeout_seconds=0))

    assert ConsumeEngine(graph, {}).heartbeat.visibility_timeout == 45
