"""
A service call and its reply are one trace; a Lambda record is handled in the trace it carries.

"""
import json
from argparse import Namespace
from threading import Event, Thread

from microcosm.api import binding, create_object_graph
from microcosm.loaders import load_from_dict
from observability_support import TRACE_PROBE
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles
from microcosm_pubsub.observability.otel import tracer
from microcosm_pubsub.service import PubSubService


class Adder(PubSubService):
    """A service under test."""

    name = "adder"

    def on_add(self, message, a, b):
        return a + b


def serve(service, stop):
    """Handle the service's queue as the engine's workers do, until `stop` is set."""
    consumer, dispatcher = service.graph.sqs_consumer, service.graph.sqs_message_dispatcher
    while not stop.is_set():
        for message in consumer.receive(10, 1, defer_payloads=True):
            dispatcher.process_message(message, service.bound_handlers).resolve(message)


def test_a_service_call_and_its_reply_are_one_trace(spans, core_broker):
    """call -> send request -> process (service) -> send reply: one trace, each span the child of the last."""
    service = Adder()
    args = Namespace(debug=False, testing=False, sqs_queue_url=core_broker.queue_url, envelope=None, stdin=False)
    service.args = args
    service.graph = service.create_object_graph(args, loader=load_from_dict(sqs_consumer=dict(wait_seconds=1)))
    client_graph = create_object_graph("caller", loader=load_from_dict(
        sns_topic_arns=dict(default=core_broker.topic_arn)))
    client_graph.use("service_client")
    stop = Event()
    server = Thread(target=serve, args=(service, stop), daemon=True)
    server.start()
    try:
        assert client_graph.service_client.call("adder", "add", timeout=20, a=2, b=3) == 5
    finally:
        stop.set()
        server.join(10)
        client_graph.service_client.close()

    def named(prefix):
        [span] = [span for span in spans.get_finished_spans() if span.name.startswith(prefix)]
        return span

    call, send, process, reply = named("call"), named("send core-topic"), named("process"), named("send pubsub-reply-")
    assert call.name == "call adder.add" and call.kind == SpanKind.CLIENT and call.parent is None
    assert send.parent.span_id == call.context.span_id
    assert process.parent.span_id == send.context.span_id
    assert reply.parent.span_id == process.context.span_id and reply.kind == SpanKind.PRODUCER
    assert reply.attributes["messaging.system"] == "aws_sqs"
    assert len({span.context.trace_id for span in (call, send, process, reply)}) == 1


@binding("trace_probe_handler")
@handles(TRACE_PROBE)
class TraceProbeHandler:
    """Notes the trace id each message is handled in."""

    handled: list = []

    def __init__(self, graph):
        self.graph = graph

    def __call__(self, content):
        span_context = trace.get_current_span().get_span_context()
        TraceProbeHandler.handled.append(format(span_context.trace_id, "032x"))
        return True


class ProbeDaemon(ConsumerDaemon):
    """A Lambda-handled daemon with the probe handler."""

    name = "lambda-probe"

    @property
    def components(self):
        return super().components + ["trace_probe_handler"]


def test_a_lambda_event_is_a_batch_span_and_each_record_is_handled_in_its_trace(spans):
    """Each record's `process` span is a child of the context it carried; one batch span counts and links them."""
    contexts = []
    for _ in range(2):
        with tracer().start_as_current_span("publisher") as publisher:
            contexts.append(publisher.get_span_context())
    records = [dict(
        messageId=f"m-{index}", receiptHandle=f"rh-{index}", body=json.dumps(dict(mediaType=TRACE_PROBE, index=index)),
        attributes={"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        messageAttributes={"traceparent": {"stringValue": f"00-{context.trace_id:032x}-{context.span_id:016x}-01",
                                           "dataType": "String"}},
        eventSourceARN="arn:aws:sqs:us-east-1:123456789012:lambda-queue",
    ) for index, context in enumerate(contexts)]

    answer = ProbeDaemon.make_lambda_handler()({"Records": records}, None)

    assert answer == {"batchItemFailures": []}
    processed = [span for span in spans.get_finished_spans() if span.name == "process lambda-queue"]
    [batch] = [span for span in processed if "messaging.batch.message_count" in span.attributes]
    each = sorted((span for span in processed if span is not batch),
                  key=lambda span: span.attributes["messaging.message.id"])
    assert batch.kind == SpanKind.CONSUMER and batch.attributes["messaging.batch.message_count"] == 2
    assert sorted(link.context.span_id for link in batch.links) == sorted(context.span_id for context in contexts)
    assert [span.parent.span_id for span in each] == [context.span_id for context in contexts]
    assert [span.attributes["messaging.message.id"] for span in each] == ["m-0", "m-1"]
    assert sorted(TraceProbeHandler.handled) == sorted(f"{context.trace_id:032x}" for context in contexts)
