"""
Tests for the optional send and producer metrics components.

"""
import subprocess
import sys
from enum import Enum
from types import SimpleNamespace
from unittest.mock import MagicMock, patch

import pytest
from hamcrest import assert_that, equal_to, is_
from microcosm.api import binding, create_object_graph, load_from_dict
from microcosm.registry import Registry

from microcosm_pubsub.metrics import (
    PubSubProducerMetrics,
    PubSubSendBatchMetrics,
    PubSubSendMetrics,
)


COMPONENTS = [PubSubSendMetrics, PubSubSendBatchMetrics, PubSubProducerMetrics]
KEYS = ["pubsub_send_metrics", "pubsub_send_batch_metrics", "pubsub_producer_metrics"]

Outcome = Enum("Outcome", ["SUCCEEDED", "IGNORED"])


def make_graph(**config):
    return create_object_graph("test", testing=True, loader=load_from_dict(**config))


def build(cls, host="statsd", **config):
    """A component over a graph whose metrics client points at `host`."""
    with patch.object(cls, "get_metrics", return_value=MagicMock(host=host)):
        return cls(make_graph(**config))


@pytest.mark.parametrize("key", KEYS)
def test_disabled_without_a_metrics_client(key):
    """With no `metrics` component bound, nothing is sent."""
    assert_that(getattr(make_graph(), key).enabled, is_(False))


@pytest.mark.parametrize("key", KEYS)
def test_enabled_by_a_bound_metrics_component(key):
    """A `metrics` component bound in the graph (as microcosm-metrics does) is found and used."""
    registry = Registry()  # private, so the binding does not leak into other tests
    binding("metrics", registry=registry)(lambda graph: MagicMock(host="statsd"))

    graph = create_object_graph("test", testing=True, registry=registry)

    assert_that(getattr(graph, key).enabled, is_(True))


@pytest.mark.parametrize("cls", COMPONENTS)
def test_disabled_for_localhost(cls):
    """A metrics client pointed at localhost (local runs) keeps metrics off."""
    assert_that(build(cls, host="localhost").enabled, is_(False))


@pytest.mark.parametrize("cls", COMPONENTS)
def test_enabled_for_a_real_host(cls):
    """A metrics client pointed at a real statsd host turns metrics on by default."""
    assert_that(build(cls).enabled, is_(True))


@pytest.mark.parametrize("cls,key", list(zip(COMPONENTS, KEYS)))
def test_own_key_disables(cls, key):
    """Each component's own `enabled=false` switches it off."""
    assert_that(build(cls, **{key: dict(enabled="false")}).enabled, is_(False))


@pytest.mark.parametrize("cls", COMPONENTS)
def test_send_metrics_key_disables_all(cls):
    """`pubsub_send_metrics.enabled=false` switches off all three, as it did upstream."""
    assert_that(build(cls, pubsub_send_metrics=dict(enabled=False)).enabled, is_(False))


def test_message_histograms():
    """A handled message sends its elapsed time and its publish-to-start delay, tagged by result."""
    metrics = build(PubSubSendMetrics)
    result = SimpleNamespace(media_type="m/t", result=Outcome.SUCCEEDED, elapsed_time=12.5, handle_start_time=3.0)

    metrics(result)

    tags = ["source:microcosm-pubsub", "result:SUCCEEDED", "media-type:m/t"]
    metrics.metrics.histogram.assert_any_call("message", 12.5, tags=tags)
    metrics.metrics.histogram.assert_any_call("message_handle_start", 3.0, tags=tags)


def test_ignored_messages_are_not_timed():
    """IGNORED results send nothing."""
    metrics = build(PubSubSendMetrics)

    metrics(SimpleNamespace(media_type="m/t", result=Outcome.IGNORED, elapsed_time=1.0, handle_start_time=None))

    metrics.metrics.histogram.assert_not_called()


def test_batch_histograms_skip_empty_batches():
    """A batch sends its time and size; an empty one sends nothing."""
    metrics = build(PubSubSendBatchMetrics)

    metrics(0.5, 0)
    metrics.metrics.histogram.assert_not_called()
    metrics(7.0, 3)

    metrics.metrics.histogram.assert_any_call("message_batch", 7.0, tags=["source:microcosm-pubsub"])
    metrics.metrics.histogram.assert_any_call("message_batch_size", 3, tags=["source:microcosm-pubsub"])


def test_producer_histogram():
    """A publish sends its time tagged with outcome and media type."""
    metrics = build(PubSubProducerMetrics)

    metrics(elapsed_time=4.2, publish_result="SUCCESS", media_type="m/t", uri="x")

    metrics.metrics.histogram.assert_called_once_with(
        "sns_producer", 4.2, tags=["source:microcosm-pubsub", "publish_result:SUCCESS", "media_type:m/t"],
    )


def test_disabled_component_is_callable_and_silent():
    """Callers invoke the component unconditionally; when off it does nothing."""
    metrics = PubSubProducerMetrics(make_graph())

    assert_that(metrics(elapsed_time=1.0, publish_result="SUCCESS", media_type="m/t"), is_(equal_to(None)))


def test_module_imports_without_microcosm_metrics():
    """The module imports when microcosm-metrics cannot be imported."""
    code = "import sys; sys.modules['microcosm_metrics'] = None; import microcosm_pubsub.metrics"
    subprocess.run([sys.executable, "-c", code], check=True)
