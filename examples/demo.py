"""
The whole flow on an embedded moto server, no AWS account: topic -> queue -> daemon.

Starts moto on 127.0.0.1, creates a topic, a queue and the subscription, runs the example
producer, then runs the example daemon (`--sqs-queue-url`) until the queue is drained and stops
it with SIGTERM, as systemd or Kubernetes would.

    python examples/demo.py

"""
import os
import signal
import subprocess
import sys
from pathlib import Path
from time import monotonic, sleep

import logging

import boto3
from moto.server import ThreadedMotoServer


HERE = Path(__file__).resolve().parent
REGION = "us-east-1"


def start_moto():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def create_topic_and_queue(endpoint_url):
    sns = boto3.client("sns", endpoint_url=endpoint_url, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=REGION)
    topic_arn = sns.create_topic(Name="demo-topic")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="demo-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return sqs, topic_arn, queue_url


def queue_depth(sqs, queue_url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def main():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    server, endpoint_url = start_moto()
    try:
        sqs, topic_arn, queue_url = create_topic_and_queue(endpoint_url)
        print(f"moto server on {endpoint_url}\ntopic {topic_arn}\nqueue {queue_url}\n", flush=True)
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint_url, PYTHONPATH=str(HERE))

        print("== producer", flush=True)
        subprocess.run([sys.executable, str(HERE / "simple_producer.py"), "--topic-arn", topic_arn, "--count", "3"],
                       env=env, check=True)

        print("\n== daemon (stops with SIGTERM once the queue is empty)", flush=True)
        daemon = subprocess.Popen(
            [sys.executable, str(HERE / "simple_daemon.py"), "--sqs-queue-url", queue_url],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        deadline = monotonic() + 30
        while queue_depth(sqs, queue_url) and daemon.poll() is None and monotonic() < deadline:
            sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
        print(output, end="")
        remaining = queue_depth(sqs, queue_url)
        print(f"\ndaemon exited with {daemon.returncode}; {remaining} messages left in the queue")
        return 0 if daemon.returncode == 0 and remaining == 0 and output.count("handled") == 4 else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
