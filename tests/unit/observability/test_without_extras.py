"""
Without opentelemetry-api and prometheus-client nothing changes: messages publish with only their
`media_type` attribute, handling works, and `/metrics` says which extra to install.

Each test runs in a fresh interpreter where importing the extras fails (`sys.modules[name] = None`
makes `import name` raise ImportError), as on a machine that never installed them.

"""
import json
import subprocess
import sys
from textwrap import dedent


SCRIPT = dedent('''
    import json, sys
    for name in ("opentelemetry", "prometheus_client", "rich"):
        sys.modules[name] = None
    from unittest.mock import MagicMock
    from microcosm.api import create_object_graph
    from microcosm.loaders import load_from_dict
    from microcosm_pubsub import observability
    from microcosm_pubsub.conventions import created
    from microcosm_pubsub.engine.stats import EngineStats
    from microcosm_pubsub.observability.metrics import metrics_answer
    from microcosm_pubsub.observability.observer import NO_OBSERVATION

    media_type = created("thing")
    graph = create_object_graph("bare", testing=True, loader=load_from_dict(
        sns_topic_arns=dict(default="arn:aws:sns:us-east-1:123456789012:things"),
        sqs_consumer=dict(sqs_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/things"),
    ))
    graph.use("opaque", "sns_producer", "sqs_consumer", "sqs_message_dispatcher")
    graph.sns_producer.produce(media_type, uri="http://example.com/things/1")
    publish = graph.sns_producer.sns_client.publish.call_args.kwargs
    raw = dict(MessageId="m-1", ReceiptHandle="rh", Body=publish["Message"],
               MessageAttributes={"traceparent": {"StringValue": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}})
    message = graph.sqs_envelope.parse_raw_message(graph.sqs_consumer, raw)
    result = graph.sqs_message_dispatcher.process_message(message, {media_type: lambda content: True})
    engine = MagicMock(stats=EngineStats(), draining=False)
    dispatcher = graph.sqs_message_dispatcher
    print(json.dumps(dict(
        tracing=observability.TRACING, metrics=observability.METRICS,
        attributes=sorted(publish["MessageAttributes"]), result=result.result.name,
        no_op=dispatcher.observer.observe(graph.opaque, message, "q", {}) is NO_OBSERVATION,
        answer=metrics_answer(engine),
    )))
''')


def test_nothing_changes_without_the_extras():
    """With the extras' imports failing, publishing and handling work as before and cost a shared no-op."""
    completed = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)

    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["tracing"] is False and outcome["metrics"] is False
    assert outcome["attributes"] == ["media_type"]
    assert outcome["result"] == "SUCCEEDED"
    assert outcome["no_op"] is True
    status, body = outcome["answer"]
    assert status == 404 and "pip install microcosm-pubsub[prometheus]" in body["error"]
