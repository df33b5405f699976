"""
Interoperability with the AWS extended clients (`amazon-sns-extended-client`,
`amazon-sqs-extended-client`) on a moto server: what they offload, a daemon built for the earlier
library handles with one config key set; what we offload, the SQS extended client reads back.

Importing those packages replaces `boto3.Session` process-wide; the `extended_clients` fixture
imports them and restores boto3 at once, using their session classes explicitly.

"""
from json import dumps, loads
from types import SimpleNamespace

import boto3
import pytest
from daemon_support import ITEM_MEDIA_TYPE, REGION, load_recording_daemon
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict


MIB = 1024 * 1024
BUCKET_ENV = "FUNCTIONAL__SQS_CONSUMER__LARGE_PAYLOAD_BUCKET"


def _import_restoring_boto3(module_name: str) -> object:
    saved = (boto3.Session, boto3.session.Session, boto3.DEFAULT_SESSION)
    try:
        return __import__(module_name)
    finally:
        boto3.Session, boto3.session.Session, boto3.DEFAULT_SESSION = saved


@pytest.fixture
def extended_clients(moto_endpoint, aws_environment, monkeypatch):
    """Builds AWS extended SNS and SQS clients on the moto server, with large payload support in `bucket`."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # their S3 clients take no endpoint argument
    sns_module = _import_restoring_boto3("sns_extended_client")
    sqs_module = _import_restoring_boto3("sqs_extended_client")

    def sns(bucket: str):
        client = sns_module.SNSExtendedClientSession(region_name=REGION).client("sns", endpoint_url=moto_endpoint)
        client.large_payload_support = bucket
        return client

    def sqs(bucket: str, legacy: bool = False):
        client = sqs_module.SQSExtendedClientSession(region_name=REGION).client("sqs", endpoint_url=moto_endpoint)
        client.large_payload_support = bucket
        client.use_legacy_attribute = legacy
        return client

    return SimpleNamespace(sns=sns, sqs=sqs)


@pytest.fixture
def bucket(broker) -> str:
    """A fresh S3 bucket on the moto server."""
    name = f"offload-{broker.queue_url.rsplit('/', 1)[1]}"
    boto3.client("s3", endpoint_url=broker.endpoint_url, region_name=REGION).create_bucket(Bucket=name)
    return name


def item_body(item: str) -> str:
    """A 1 MiB item message as a producer of the earlier library would encode it (padding is not in the schema)."""
    return dumps(dict(mediaType=ITEM_MEDIA_TYPE, item=item, padding="x" * MIB))


def test_a_daemon_handles_what_the_extended_clients_offload(broker, bucket, extended_clients, start_daemon,
                                                            make_items, wait_for):
    """SNS extended (SNS-wrapped), SQS extended and its legacy format (raw): all three handled by the daemon."""
    # Given three 1 MiB messages offloaded by the AWS clients: one through SNS, two straight to SQS
    via_sns, via_sqs, via_sqs_legacy = make_items("extended", 3)
    extended_clients.sns(bucket).publish(
        TopicArn=broker.topic_arn, Message=item_body(via_sns),
        MessageAttributes={"media_type": {"DataType": "String", "StringValue": ITEM_MEDIA_TYPE}},
    )
    extended_clients.sqs(bucket).send_message(QueueUrl=broker.queue_url, MessageBody=item_body(via_sqs))
    extended_clients.sqs(bucket, legacy=True).send_message(
        QueueUrl=broker.queue_url, MessageBody=item_body(via_sqs_legacy),
    )

    # When the recording daemon (no code change) consumes the queue with the bucket configured
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, env={BUCKET_ENV: bucket})
    handled = wait_for(lambda: set(start_daemon.counts()) >= {via_sns, via_sqs, via_sqs_legacy} or not daemon.alive(),
                       timeout=60)
    emptied = broker.wait_until_empty(timeout=20)
    exit_code = daemon.stop(timeout=30)

    # Then each was handled once, and the queue is empty
    assert handled is True and emptied, daemon.output()
    assert exit_code == 0, daemon.output()
    assert sorted(start_daemon.counts().values()) == [1, 1, 1]


def test_the_sqs_extended_client_reads_what_we_offload(broker, bucket, extended_clients, make_items):
    """Our 1 MiB publish, delivered raw to a queue, is read back whole by the AWS SQS extended client."""
    # Given a queue subscribed with raw message delivery (the extended clients' documented set-up)
    raw_queue_url = broker.create_queue(f"{broker.queue_url.rsplit('/', 1)[1]}-raw")
    broker.sns.subscribe(TopicArn=broker.topic_arn, Protocol="sqs", Endpoint=broker.queue_arn(raw_queue_url),
                         Attributes={"RawMessageDelivery": "true"})
    load_recording_daemon()
    graph = create_object_graph("functional", loader=load_from_dict(
        sns_topic_arns=dict(default=broker.topic_arn),
        sns_producer=dict(skip=False, endpoint_url=broker.endpoint_url, large_payload_bucket=bucket),
    ))
    [item] = make_items("ours", 1)

    # When we publish a 1 MiB message and the SQS extended client receives it
    graph.sns_producer.produce(ITEM_MEDIA_TYPE, item=item, sequence=7, opaque_data={"padding": "x" * MIB})
    response = extended_clients.sqs(bucket).receive_message(
        QueueUrl=raw_queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=5,
    )

    # Then its body is our message, and the pointer's attribute is consumed by the client
    [message] = response["Messages"]
    body = loads(message["Body"])
    assert body["mediaType"] == ITEM_MEDIA_TYPE and body["item"] == item and body["sequence"] == 7
    assert len(body["opaqueData"]["padding"]) == MIB
    assert "ExtendedPayloadSize" not in message.get("MessageAttributes", {})
    assert message["MessageAttributes"]["media_type"]["StringValue"] == ITEM_MEDIA_TYPE
