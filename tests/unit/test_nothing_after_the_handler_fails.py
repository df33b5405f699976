"""
Once a handler has run, nothing the message carries can fail it and run the handler again.

"""
from json import dumps

import pytest

from microcosm_pubsub.conventions import created


JOB = created("core_after_handler_job")
URI = "http://example.com/jobs/1"


@pytest.mark.parametrize("published", [["1"], {"a": 1}, True, "Infinity", "nan", "not a time", 1e400])
def test_a_hostile_published_time_does_not_fail_a_handled_message(core_graph, core_broker, published):
    """`x-request-published` of any type: the handler runs once, the message is deleted."""
    calls = []
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI, opaqueData={"x-request-published": published})))
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(message, {JOB: lambda content: calls.append(1) or True})

    assert result.result.name == "SUCCEEDED" and result.handle_start_time is None
    assert calls == [1]
    assert core_broker.receive() == []


@pytest.mark.parametrize("ttl", [float("inf"), [1], {"a": 1}, "many", 1e300])
def test_a_hop_count_that_is_not_a_number_counts_as_absent(core_graph, core_broker, ttl):
    """`x-request-ttl` of the wrong type or size is ignored: the message is handled once."""
    calls = []
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI, opaqueData={"x-request-ttl": ttl})))
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(message, {JOB: lambda content: calls.append(1) or True})

    assert result.result.name == "SUCCEEDED" and calls == [1]


@pytest.mark.parametrize("opaque", [["a"], "text", 7])
def test_opaque_data_that_is_not_an_object_is_a_bad_message(core_graph, core_broker, opaque):
    """Opaque data that is not an object fails decoding, with a reason naming it; no handler runs."""
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI, opaqueData=opaque)))
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(message, {JOB: lambda content: 1 / 0})

    assert result.result.name == "FAILED" and "opaqueData" in result.reason


def test_a_broken_log_handler_does_not_fail_a_handled_message(core_graph, core_broker, monkeypatch):
    """A failure while logging the result leaves the result as the handler made it."""
    calls = []
    core_broker.send(dumps(dict(mediaType=JOB, uri=URI)))
    [message] = core_graph.sqs_consumer.consume()

    def broken_log(self, logger, opaque):
        raise RuntimeError("log sink down")

    monkeypatch.setattr("microcosm_pubsub.result.MessageHandlingResult.log", broken_log)
    result = core_graph.sqs_message_dispatcher.handle_message(message, {JOB: lambda content: calls.append(1) or True})

    assert result.result.name == "SUCCEEDED" and calls == [1]
    assert core_broker.receive() == []
