"""
End to end on moto: a ConsumerDaemon with a ChainURIHandler fetches each message's resource over
HTTP and runs its chain on real messages.

"""
import json
import os
import signal
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from time import monotonic, sleep

import boto3
import pytest

from microcosm_pubsub.conventions import created
from microcosm_pubsub.testing.moto_server import moto_server


HERE = Path(__file__).resolve().parent
ORDERS = {
    "1": {"id": "1", "lines": [{"quantity": 2, "price": 5}, {"quantity": 1, "price": 3}]},
    "2": {"id": "2", "lines": []},
}


class OrderResource(BaseHTTPRequestHandler):
    def do_GET(self):
        order = ORDERS.get(self.path.rsplit("/", 1)[-1])
        payload = json.dumps(order).encode()
        self.send_response(200 if order else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        return


@pytest.fixture
def orders_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OrderResource)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/orders"
    server.shutdown()


def wait_for(condition, timeout):
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        if condition():
            return True
        sleep(0.05)
    return condition()


def test_chain_uri_handler_daemon_handles_real_messages(orders_url, tmp_path):
    """Published URI messages are fetched, run through the chain and deleted; the daemon exits 0."""
    results = tmp_path / "results.txt"
    with moto_server() as endpoint:
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="chain", AWS_SECRET_ACCESS_KEY="chain",
                   AWS_DEFAULT_REGION="us-east-1", CHAIN_RESULTS=str(results), PYTHONPATH=str(HERE),
                   CHAIN_DAEMON__URI_HANDLER__ALLOWED_HOSTS="127.0.0.1")  # the order server is local
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="chain", aws_secret_access_key="chain")
        queue_url = sqs.create_queue(QueueName="chain-orders")["QueueUrl"]
        for order_id in ORDERS:
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(
                {"mediaType": created("chain_order"), "uri": f"{orders_url}/{order_id}"}))

        daemon = subprocess.Popen([sys.executable, str(HERE / "chain_daemon.py"), "--sqs-queue-url", queue_url],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        handled = wait_for(lambda: results.exists() and len(results.read_text().splitlines()) == 2, timeout=30)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
        left = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]

    assert handled, output
    assert daemon.returncode == 0, output
    assert sorted(results.read_text().splitlines()) == [
        f"order 1 total 13 from {orders_url}/1",
        "order 2 is empty",
    ]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
