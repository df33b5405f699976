"""
A daemon built for the earlier library (the recording daemon, unchanged) with one key set in its
environment: our 1 MiB messages are handled, and one whose payload is gone ends in the DLQ.

"""
from json import dumps

import boto3
from daemon_support import ITEM_MEDIA_TYPE, REGION, load_recording_daemon
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict


MIB = 1024 * 1024
DAEMON_ENV = {"FUNCTIONAL__SQS_CONSUMER__MESSAGE_RETRY_VISIBILITY_TIMEOUT_SECONDS": "1"}


def test_large_messages_are_handled_and_a_lost_payload_goes_to_the_dead_letter_queue(
        broker, start_daemon, make_items, wait_for):
    """Three 1 MiB messages handled once each; a pointer to a deleted object moved to the DLQ after two receives."""
    # Given a bucket, a queue redriving to a DLQ after two receives, and a producer with the bucket set
    bucket = f"offload-daemon-{broker.queue_url.rsplit('/', 1)[1]}"
    s3 = boto3.client("s3", endpoint_url=broker.endpoint_url, region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    dlq_url = broker.create_queue(f"{broker.queue_url.rsplit('/', 1)[1]}-dlq")
    broker.sqs.set_queue_attributes(QueueUrl=broker.queue_url, Attributes={"RedrivePolicy": dumps(
        {"deadLetterTargetArn": broker.queue_arn(dlq_url), "maxReceiveCount": 2})})
    load_recording_daemon()
    producer = create_object_graph("functional", loader=load_from_dict(
        sns_topic_arns=dict(default=broker.topic_arn),
        sns_producer=dict(skip=False, endpoint_url=broker.endpoint_url, large_payload_bucket=bucket),
    )).sns_producer
    items = make_items("large", 3)
    for item in items:
        producer.produce(ITEM_MEDIA_TYPE, item=item, opaque_data={"padding": "x" * MIB})
    s3.put_object(Bucket=bucket, Key="lost", Body=b"{}")
    s3.delete_object(Bucket=bucket, Key="lost")
    lost_id = broker.send_raw(["software.amazon.payloadoffloading.PayloadS3Pointer",
                               {"s3BucketName": bucket, "s3Key": "lost"}])

    # When the recording daemon consumes the queue with only the bucket added to its environment
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url,
                          env={"FUNCTIONAL__SQS_CONSUMER__LARGE_PAYLOAD_BUCKET": bucket, **DAEMON_ENV})
    moved = wait_for(lambda: (broker.depth(dlq_url) == 1 and set(start_daemon.counts()) >= set(items))
                     or not daemon.alive(), timeout=60, interval=0.2)
    emptied = broker.wait_until_empty(timeout=20)
    exit_code = daemon.stop(timeout=30)

    # Then each large message was handled once, the lost one is in the DLQ, and its reason was logged
    assert moved is True and emptied and exit_code == 0, daemon.output()
    assert sorted(start_daemon.counts().values()) == [1, 1, 1]
    [dead] = broker.sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert dead["MessageId"] == lost_id
    assert f"s3://{bucket}/lost no longer exists" in daemon.stdout(), daemon.output()
