"""
The `pubsub` command publishes to a topic and reads a queue on a real (moto) endpoint.

"""
import os
import subprocess
import sys

import boto3
import pytest

from microcosm_pubsub.testing.moto_server import moto_server


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture
def cli_env(endpoint):
    return dict(os.environ, AWS_ACCESS_KEY_ID="cli", AWS_SECRET_ACCESS_KEY="cli", AWS_DEFAULT_REGION="us-east-1",
                AWS_ENDPOINT_URL=endpoint)


@pytest.fixture
def topic_and_queue(endpoint, request):
    sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="cli", aws_secret_access_key="cli")
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="cli", aws_secret_access_key="cli")
    name = request.node.name.replace("[", "-").replace("]", "")[:60]
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url, sqs


def pubsub(env, *arguments):
    return subprocess.run([sys.executable, "-m", "microcosm_pubsub.main", *arguments], env=env,
                          capture_output=True, text=True, timeout=60)


def test_publish_then_read(cli_env, topic_and_queue):
    """A message published with `pubsub publish` is printed and deleted by `pubsub read`."""
    topic_arn, queue_url, sqs = topic_and_queue

    published = pubsub(cli_env, "publish", "--topic-arn", topic_arn, "--media-type", "order",
                       "--uri", "http://x/orders/1")
    read = pubsub(cli_env, "read", "--queue-url", queue_url)

    assert published.returncode == 0, published.stderr
    assert "Wrote SNS message:" in published.stdout
    assert read.returncode == 0, read.stderr
    assert "application/vnd.globality.pubsub._.created.order" in read.stdout
    assert "http://x/orders/1" in read.stdout
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)


def test_read_prints_a_hostile_media_type_escaped(cli_env, topic_and_queue):
    """A sender's control bytes in a media type reach the terminal escaped, not as escapes."""
    _, queue_url, sqs = topic_and_queue
    sqs.send_message(QueueUrl=queue_url, MessageBody='{"mediaType": "x\\u001b[2J\\nFORGED\\r"}')

    read = pubsub(cli_env, "read", "--queue-url", queue_url)

    assert read.returncode == 0, read.stderr
    assert "x\\x1b[2J\\x0aFORGED\\x0d" in read.stdout
    assert "\x1b" not in read.stdout and "\r" not in read.stdout
    assert not any(line.startswith("FORGED") for line in read.stdout.splitlines())


def test_read_with_nack_leaves_the_message(cli_env, topic_and_queue):
    """`pubsub read --nack --nack-timeout 0` returns the message to the queue."""
    topic_arn, queue_url, sqs = topic_and_queue
    pubsub(cli_env, "publish", "--topic-arn", topic_arn, "--media-type", "order", "--uri", "http://x/orders/2")

    read = pubsub(cli_env, "read", "--queue-url", queue_url, "--nack", "--nack-timeout", "0")

    assert read.returncode == 0, read.stderr
    assert len(sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])) == 1


def test_publish_rejects_bad_data(cli_env, topic_and_queue):
    """`--data` that is not a JSON object exits 2 with a message saying what to pass."""
    topic_arn, _, _ = topic_and_queue

    result = pubsub(cli_env, "publish", "--topic-arn", topic_arn, "--media-type", "order", "--data", "[1")

    assert result.returncode == 2
    assert "--data is not JSON" in result.stderr
