"""
fedora-messaging style consumers: a function callback and a class callback, run by `pubsub consume`.

    pubsub consume --callback callback_consumer:printer --sqs-queue-url URL
    pubsub consume --config examples/orders.toml           # callback, queue and [consumer_config]
    python examples/callback_consumer.py                   # both, on an embedded moto

(`examples/` must be importable: run from it or put it on PYTHONPATH.)

"""
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from time import monotonic, sleep

from microcosm_pubsub.errors import Drop


HERE = Path(__file__).resolve().parent


def printer(message):
    """Print each message. `message` is an SQSMessage: .content, .media_type, .message_id, .opaque_data."""
    # one write per line, so a log line from another thread cannot land inside it
    sys.stdout.write(f"printer: {message.media_type} {json.dumps(message.content)}\n")
    sys.stdout.flush()


class SaveMessage:
    """
    Append each message to a file, refusing spam.

    Built once per process; reads `path` from the config file's section:

        [consumer_config]
        path = "/var/lib/orders/messages.jsonl"

    """

    def __init__(self, graph):
        self.path = Path(graph.config.consumer_config["path"])
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, message):
        if message.content.get("spam"):
            raise Drop("spam is deleted, logged and counted as dropped")
        with self.path.open("a") as out:
            out.write(json.dumps(message.content) + "\n")


def run_consumer(env, queue_url, *args):
    """Run `pubsub consume` until the queue is empty, then stop it with SIGTERM, as systemd would."""
    import boto3

    sqs = boto3.client("sqs")
    consumer = subprocess.Popen([sys.executable, "-c", "from microcosm_pubsub.main import main; main()",
                                 "consume", "--sqs-queue-url", queue_url, *args],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = monotonic() + 30
    while monotonic() < deadline and consumer.poll() is None:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        if attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0":
            break
        sleep(0.2)
    consumer.send_signal(signal.SIGTERM)
    output, _ = consumer.communicate(timeout=60)
    print("".join(line + "\n" for line in output.splitlines() if line.startswith("printer")), end="")
    print(f"consumer exited with {consumer.returncode}")


def demo():
    """An embedded moto, a queue with a few messages, then each callback in turn."""
    import boto3

    from microcosm_pubsub.testing.moto_server import moto_server

    demo_settings = dict(AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_DEFAULT_REGION="us-east-1")
    for key, value in demo_settings.items():
        os.environ.setdefault(key, value)
    with moto_server() as endpoint_url, tempfile.TemporaryDirectory() as directory:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        env = dict(os.environ, PYTHONPATH=str(HERE))
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]

        def send_orders():
            for body in ({"mediaType": "application/vnd.globality.pubsub._.created.order", "uri": "http://orders/1"},
                         {"mediaType": "application/vnd.example.note", "text": "hello"},
                         {"mediaType": "application/vnd.example.note", "spam": True}):
                sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))

        print("== function callback: pubsub consume --callback callback_consumer:printer")
        send_orders()
        run_consumer(env, queue_url, "--callback", "callback_consumer:printer")

        print("\n== class callback: pubsub consume --config orders.toml ([consumer_config] path)")
        saved = Path(directory) / "saved" / "messages.jsonl"
        config = Path(directory) / "orders.toml"
        config.write_text(f'callback = "callback_consumer:SaveMessage"\n[consumer_config]\npath = "{saved}"\n')
        send_orders()
        run_consumer(env, queue_url, "--config", str(config))
        print(f"{saved.name}:\n{saved.read_text()}", end="")


if __name__ == "__main__":
    demo()
