"""
SQS calls, entries and failures are counted from the consumer's own client (moto): a refused
batch entry, a failed call and its error kind all show in `/metrics`.

"""
import boto3
from moto import mock_aws
from prometheus_client.parser import text_string_to_metric_families

from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.observability.metrics import MessageMetrics, exposition


class Engine:
    """The parts of an engine `/metrics` reads."""

    stats = EngineStats()
    draining = False


def samples(metrics):
    text = exposition(metrics, Engine()).decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_calls_entries_refused_entries_and_errors_by_kind(core_aws_env):
    """A receive, a delete batch with one bad receipt handle, and a call to a missing queue are counted."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="counted")["QueueUrl"]
        metrics = MessageMetrics()
        metrics.watch(sqs)
        sqs.send_message_batch(QueueUrl=queue_url, Entries=[dict(Id=str(index), MessageBody="x") for index in range(3)])
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        entries = [dict(Id=str(index), ReceiptHandle=raw["ReceiptHandle"]) for index, raw in enumerate(received)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries + [dict(Id="bad", ReceiptHandle="not-a-handle")])
        try:
            sqs.receive_message(QueueUrl=queue_url + "-missing")
        except sqs.exceptions.QueueDoesNotExist:
            pass

    found = samples(metrics)
    assert found[("pubsub_sqs_calls_total", (("operation", "receive"),))] == 2
    assert found[("pubsub_sqs_entries_total", (("operation", "receive"),))] == 3
    assert found[("pubsub_sqs_call_failures_total", (("operation", "receive"),))] == 1
    assert found[("pubsub_sqs_calls_total", (("operation", "delete"),))] == 1
    assert found[("pubsub_sqs_entries_total", (("operation", "delete"),))] == 4
    assert found[("pubsub_sqs_entry_failures_total", (("operation", "delete"),))] == 1
    kinds = {dict(labels)["kind"]: value for (name, labels), value in found.items()
             if name == "pubsub_broker_errors_total"}
    assert list(kinds.values()) == [1] and "NonExistentQueue" in next(iter(kinds))
