"""
One trace from a publish through SNS (moto) into a consume engine's handler, per the messaging
semantic conventions: PRODUCER `send <topic>` spans, CONSUMER `process <queue>` spans parented
by (and linked to) the context the message carried, for SNS-wrapped and raw delivery alike.

"""
from opentelemetry.trace import SpanKind, StatusCode
from observability_support import TRACE_PROBE

from microcosm_pubsub.observability.otel import tracer


def by_name(exporter, prefix):
    return [span for span in exporter.get_finished_spans() if span.name.startswith(prefix)]


def test_a_publish_and_its_handling_are_one_trace_enveloped_and_raw(spans, pipeline, make_consumer):
    """A message published inside a span is handled, on both queues, inside that same trace."""
    consumer = make_consumer(pipeline.queue_url)
    raw_consumer = make_consumer(pipeline.raw_queue_url)
    with tracer().start_as_current_span("request") as request:
        message_id = consumer.sns_producer.produce(TRACE_PROBE, index=1)
    trace_id = format(request.get_span_context().trace_id, "032x")

    seen = consumer.run_until(1).items + raw_consumer.run_until(1).items

    assert [item["trace_id"] for item in seen] == [trace_id, trace_id]
    assert [item["opaque_trace_id"] for item in seen] == [trace_id, trace_id]
    [send] = by_name(spans, "send core-topic")
    assert send.kind == SpanKind.PRODUCER and send.parent.span_id == request.get_span_context().span_id
    assert send.attributes["messaging.system"] == "aws_sns"
    assert send.attributes["messaging.destination.name"] == "core-topic"
    assert send.attributes["messaging.operation.type"] == "send"
    assert send.attributes["messaging.message.id"] == message_id
    process = by_name(spans, "process ")
    assert sorted(span.name for span in process) == ["process core-queue", "process raw-queue"]
    for span in process:
        assert span.kind == SpanKind.CONSUMER
        assert span.parent.span_id == send.context.span_id
        assert [link.context.span_id for link in span.links] == [send.context.span_id]
        assert span.attributes["messaging.system"] == "aws_sqs"
        assert span.attributes["messaging.operation.type"] == "process"
        assert span.attributes["messaging.operation.name"] == "process"
        assert span.attributes["messaging.message.id"]
        assert span.attributes["microcosm_pubsub.result"] == "SUCCEEDED"
        assert span.status.status_code == StatusCode.UNSET


def test_a_message_without_trace_context_starts_a_new_trace(spans, pipeline, make_consumer):
    """A message sent with no trace attributes is handled in a root CONSUMER span of a new trace."""
    consumer = make_consumer(pipeline.queue_url)
    pipeline.send('{"mediaType": "%s", "index": 7}' % TRACE_PROBE)

    [item] = consumer.run_until(1).items

    [process] = by_name(spans, "process core-queue")
    assert process.parent is None and not process.links
    assert item["trace_id"] == format(process.context.trace_id, "032x") == item["opaque_trace_id"]


def test_a_failed_handler_is_an_error_span_and_a_skip_is_not(spans, pipeline, make_consumer):
    """FAILED sets the span's status to ERROR with the exception recorded; SKIPPED stays unset."""
    consumer = make_consumer(pipeline.queue_url)
    consumer.sns_producer.produce(TRACE_PROBE, index=1, outcome="fail")
    consumer.sns_producer.produce(TRACE_PROBE, index=2, outcome="skip")

    consumer.run_until(2)

    results = {span.attributes["microcosm_pubsub.result"]: span for span in by_name(spans, "process ")}
    failed, skipped = results["FAILED"], results["SKIPPED"]
    assert failed.status.status_code == StatusCode.ERROR and "probe 1 fails" in failed.status.description
    assert [event.name for event in failed.events] == ["exception"]
    assert failed.events[0].attributes["exception.type"] == "ValueError"
    assert skipped.status.status_code == StatusCode.UNSET and not skipped.events


def test_a_batch_publish_is_create_spans_linked_from_one_send(spans, pipeline, make_consumer):
    """produce_batch: a `create` span per message, one `send` span linking them, each handled in its trace."""
    consumer = make_consumer(pipeline.raw_queue_url)
    with tracer().start_as_current_span("request") as request:
        consumer.sns_producer.produce_batch(TRACE_PROBE, [dict(index=index) for index in range(3)])

    seen = consumer.run_until(3).items

    creates = by_name(spans, "create core-topic")
    [send] = by_name(spans, "send core-topic")
    assert len(creates) == 3 and all(span.kind == SpanKind.PRODUCER for span in creates)
    assert all(span.attributes["messaging.operation.type"] == "create" for span in creates)
    assert send.attributes["messaging.batch.message_count"] == 3
    assert send.attributes["messaging.operation.name"] == "publish_batch"
    assert sorted(link.context.span_id for link in send.links) == sorted(span.context.span_id for span in creates)
    parents = sorted(span.parent.span_id for span in by_name(spans, "process raw-queue"))
    assert parents == sorted(span.context.span_id for span in creates)
    assert {item["trace_id"] for item in seen} == {format(request.get_span_context().trace_id, "032x")}


def test_deferred_producers_inject_their_publish_context(spans, pipeline, make_consumer):
    """A deferred producer's publishes carry the context of their own send spans."""
    from microcosm_pubsub.producer import DeferredProducer

    consumer = make_consumer(pipeline.raw_queue_url)
    with DeferredProducer(consumer.sns_producer) as deferred:
        deferred.produce(TRACE_PROBE, dict(index=1))

    [item] = consumer.run_until(1).items

    [send] = by_name(spans, "send core-topic")
    [process] = by_name(spans, "process raw-queue")
    assert process.parent.span_id == send.context.span_id
    assert item["trace_id"] == format(send.context.trace_id, "032x")


def test_a_messages_log_lines_show_its_trace_id(spans, pipeline, make_consumer, caplog):
    """The result line of a handled message carries the trace id of the span it ran in."""
    consumer = make_consumer(pipeline.queue_url)
    with tracer().start_as_current_span("request") as request:
        consumer.sns_producer.produce(TRACE_PROBE, index=3)

    with caplog.at_level("INFO"):
        consumer.run_until(1)

    [line] = [record for record in caplog.records if "Result for media type" in record.getMessage()]
    assert line.trace_id == format(request.get_span_context().trace_id, "032x")
    assert len(line.span_id) == 16


def test_without_a_configured_provider_the_carried_context_passes_through(pipeline, make_consumer):
    """No SDK provider (no spans recorded): a handler's publishes carry on the trace its message brought."""
    consumer = make_consumer(pipeline.raw_queue_url)
    carried = "00-" + "c" * 32 + "-" + "d" * 16 + "-01"
    pipeline.sqs.send_message(QueueUrl=pipeline.raw_queue_url,
                              MessageBody='{"mediaType": "%s", "index": 1}' % TRACE_PROBE,
                              MessageAttributes={"traceparent": {"DataType": "String", "StringValue": carried}})
    graph = consumer.graph
    seen = []

    def republish(content):
        seen.append(graph.opaque.get("trace_id"))
        if content["index"] == 1:
            graph.sns_producer.produce(TRACE_PROBE, index=2)
        return True

    while len(seen) < 2:
        for message in graph.sqs_consumer.receive(10, 1, defer_payloads=True):
            if message.content["index"] == 2:
                republished = message.trace_carrier["traceparent"]
            graph.sqs_message_dispatcher.process_message(message, {TRACE_PROBE: republish}).resolve(message)

    assert seen == ["c" * 32, "c" * 32]
    assert republished == carried
