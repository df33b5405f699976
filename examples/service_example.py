"""
A commissaire-style service on SNS/SQS, and a client calling it.

    python examples/service_example.py demo                   # everything on an embedded moto
    python examples/service_example.py --sqs-queue-url URL    # the service (any daemon flag, e.g. --processes 3)
    python examples/service_example.py client --topic-arn ARN # the client

Requests for service `echo`, method M travel as `application/vnd.globality.pubsub._.request.echo.M`
on the topic `sns_topic_arns` routes them to; the service's queue subscribes to that topic and
replies go straight to the client's own reply queue.

"""
import os
import signal
import subprocess
import sys
from argparse import ArgumentParser

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.service import PubSubService, RemoteError, ServiceTimeout


class EchoService(PubSubService):
    """Exposes ping, echo and fail."""

    name = "echo"

    def on_ping(self, message):
        """Exposed as ping. Takes no bus arguments."""
        return "pong"

    def on_echo(self, message, words):
        """Exposed as echo. Takes one bus argument of words."""
        return words

    def on_fail(self, message):
        """Exposed as fail. Takes no bus arguments."""
        raise NotImplementedError("I was never created")


def call_service(topic_arn, timeout=10):
    """Call each method of the echo service and print what came back."""
    graph = create_object_graph("echo_client", loader=load_from_dict(sns_topic_arns=dict(default=topic_arn)))
    graph.use("service_client")
    graph.lock()
    with graph.service_client as client:
        print("ping ->", client.call("echo", "ping", timeout=timeout), flush=True)
        print("echo ->", client.call("echo", "echo", timeout=timeout, words=["hello", "world"]), flush=True)
        try:
            client.call("echo", "fail", timeout=timeout)
        except RemoteError as error:
            print(f"fail -> RemoteError {error.remote_type}: {error.remote_message}", flush=True)
        try:
            client.call("nobody", "ping", timeout=1)
        except ServiceTimeout as error:
            print(f"nobody -> ServiceTimeout: {str(error)[:60]}...", flush=True)


def demo():
    """Start moto, a topic and the service's queue, run the service, call it, stop it with SIGTERM."""
    import boto3

    from microcosm_pubsub.testing.moto_server import moto_server

    demo_settings = dict(AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_DEFAULT_REGION="us-east-1")
    for key, value in demo_settings.items():
        os.environ.setdefault(key, value)
    with moto_server() as endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic_arn = sns.create_topic(Name="echo-requests")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="echo-service")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        service = subprocess.Popen([sys.executable, __file__, "--sqs-queue-url", queue_url],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            call_service(topic_arn)
        finally:
            service.send_signal(signal.SIGTERM)
            print("service exited with", service.wait(timeout=60))


if __name__ == "__main__":
    if sys.argv[1:2] == ["demo"]:
        demo()
    elif sys.argv[1:2] == ["client"]:
        parser = ArgumentParser(prog="service_example.py client")
        parser.add_argument("--topic-arn", required=True)
        call_service(parser.parse_args(sys.argv[2:]).topic_arn)
    else:
        EchoService().run()
