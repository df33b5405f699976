"""
Tests for the optional Dynatrace tracing helpers.

"""
from contextlib import contextmanager
from json import dumps, loads
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from hamcrest import assert_that, equal_to, has_entries, is_, none

from microcosm_pubsub import tracing
from microcosm_pubsub.tracing import (
    OPAQUE_TAG_KEY,
    StubOutgoingTracer,
    add_trace_to_message,
    trace_incoming_message_process,
    trace_outgoing_message,
)


@pytest.fixture
def fake_sdk(monkeypatch):
    """Install a stand-in for the `oneagent` SDK and return its tracer."""
    tracer = MagicMock(outgoing_dynatrace_string_tag="tag-1")
    sdk = MagicMock()

    @contextmanager
    def span(system, **kwargs):
        sdk.span_kwargs = kwargs
        yield tracer

    sdk.trace_outgoing_message = span
    sdk.trace_incoming_message_process = span
    monkeypatch.setattr(tracing, "oneagent", MagicMock(get_sdk=lambda: sdk))
    monkeypatch.setattr(tracing, "Channel", MagicMock())
    monkeypatch.setattr(tracing, "ChannelType", MagicMock())
    monkeypatch.setattr(tracing, "MessagingDestinationType", MagicMock())
    return SimpleNamespace(sdk=sdk, tracer=tracer)


def test_sdk_names_are_none_without_oneagent():
    """Without the Dynatrace SDK installed, its names are exported as None."""
    assert_that(tracing.oneagent, is_(none()))
    assert_that(tracing.Channel, is_(none()))
    assert_that(tracing.ChannelType, is_(none()))
    assert_that(tracing.MessagingDestinationType, is_(none()))


def test_outgoing_without_sdk_yields_a_stub():
    """Publishing code can call the tracer's setters even when tracing is off."""
    with trace_outgoing_message("arn:aws:sns:us-east-1:1:topic") as tracer:
        tracer.set_vendor_message_id("m1")
        tracer.set_correlation_id("r1")

    assert_that(tracer, is_(StubOutgoingTracer))


def test_incoming_without_sdk_runs_the_body():
    """Handling runs unchanged when tracing is off."""
    ran = []
    with trace_incoming_message_process({}, SimpleNamespace(message_id="m1"), "https://q/queue"):
        ran.append(True)

    assert_that(ran, is_(equal_to([True])))


def test_stub_tracer_leaves_message_untouched():
    """Without a trace tag the published body is not rewritten."""
    message = SimpleNamespace(message=dumps({"mediaType": "a"}))

    add_trace_to_message(StubOutgoingTracer(), message)

    assert_that(loads(message.message), is_(equal_to({"mediaType": "a"})))


def test_outgoing_tag_goes_into_opaque_data(fake_sdk):
    """With the SDK, the publish span's tag is added to the message's opaqueData."""
    message = SimpleNamespace(message=dumps({"mediaType": "a"}))

    with trace_outgoing_message("arn:aws:sns:us-east-1:1:topic") as tracer:
        add_trace_to_message(tracer, message)

    assert_that(loads(message.message), has_entries(opaqueData={OPAQUE_TAG_KEY: "tag-1"}))
    assert_that(fake_sdk.sdk.create_messaging_system_info.call_args.args[1], is_(equal_to("topic")))


def test_unparseable_body_is_published_untagged(fake_sdk):
    """A body that is not JSON never stops a publish."""
    message = SimpleNamespace(message="not json")

    add_trace_to_message(fake_sdk.tracer, message)

    assert_that(message.message, is_(equal_to("not json")))


def test_incoming_continues_the_trace(fake_sdk):
    """With the SDK, handling links to the publisher's tag and records ids on the span."""
    opaque = {OPAQUE_TAG_KEY: "tag-1", "x-request-id": "r1"}

    with trace_incoming_message_process(opaque, SimpleNamespace(message_id="m1"), "https://sqs/1/queue"):
        pass

    assert_that(fake_sdk.sdk.span_kwargs, is_(equal_to({"str_tag": "tag-1"})))
    assert_that(fake_sdk.sdk.create_messaging_system_info.call_args.args[1], is_(equal_to("queue")))
    fake_sdk.tracer.set_vendor_message_id.assert_called_once_with("m1")
    fake_sdk.tracer.set_correlation_id.assert_called_once_with("r1")
