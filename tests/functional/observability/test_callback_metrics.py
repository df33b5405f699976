"""`pubsub consume --callback ... --health-port`: a callback consumer's /metrics counts its results under `*`."""
import os
import subprocess
import sys
from pathlib import Path

from daemon_support import base_env
from test_metrics_endpoint import free_port, scrape, value


HERE = Path(__file__).resolve().parent


def test_a_callback_consumer_serves_metrics_labelled_by_its_catch_all(broker, wait_for, tmp_path):
    """Three handled, one failed: the counts appear under media_type="*", whatever types the messages had."""
    port = free_port()
    python_path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    env = base_env(broker.endpoint_url, PYTHONPATH=python_path,
                   PUBSUB_CONSUMER__SQS_CONSUMER__MESSAGE_RETRY_VISIBILITY_TIMEOUT_SECONDS="600")
    with open(tmp_path / "consumer.log", "wb") as log:
        command = [str(Path(sys.executable).parent / "pubsub"), "consume", "--callback", "obs_callbacks:judge",
                   "--sqs-queue-url", broker.queue_url, "--health-port", str(port)]
        child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for index in range(3):
            broker.send_raw({"mediaType": f"application/vnd.kind-{index}", "n": index})
        broker.send_raw({"mediaType": "application/vnd.kind-0", "fail": True})

        samples = wait_for(lambda: (lambda found: value(found, "pubsub_messages_handled_total") >= 4 and found)(
            scrape(port)), 30)

        assert samples, (tmp_path / "consumer.log").read_text()
        assert value(samples, "pubsub_messages_handled_total", media_type="*", result="SUCCEEDED") == 3
        assert value(samples, "pubsub_messages_handled_total", media_type="*", result="FAILED") == 1
        assert value(samples, "pubsub_handler_duration_seconds_count", media_type="*") == 4
    finally:
        child.terminate()
        child.wait(30)
