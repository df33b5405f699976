"""A single consumer (no `--processes`) treats SIGHUP as it treats SIGTERM: it drains, then exits 0."""
import signal


def test_sighup_drains_a_single_consumer(svc_broker, svc_consume, tmp_path):
    """SIGHUP while a handler runs: the handler finishes, its message is deleted, the consumer exits 0."""
    queue_url = svc_broker.queue()
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "index": 0, "seconds": 1})
    child = svc_consume("--callback", "svc_callbacks:slow", "--sqs-queue-url", queue_url)
    child.wait_events("started", 1, timeout=30)

    child.signal(signal.SIGHUP)

    assert child.wait(30) == 0, child.log()
    assert len(child.events("finished")) == 1
    assert svc_broker.depth(queue_url) == 0
