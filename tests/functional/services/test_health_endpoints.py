"""`--health-port`: /live, /ready and /stats answer, and /ready turns 503 while the consumer drains."""
import signal

from svc_support import free_port, http_get, svc_poll


def test_live_ready_stats_and_draining(svc_broker, svc_consume, tmp_path):
    """The endpoints answer 200 while consuming; during a SIGTERM drain /ready is 503 until the handler ends."""
    queue_url = svc_broker.queue()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    flag = tmp_path / "release"
    child = svc_consume("--callback", "svc_callbacks:blocking", "--sqs-queue-url", queue_url,
                        "--health-port", str(port))

    assert svc_poll(lambda: http_get(f"{base}/ready")[0] == 200, 20), child.log()
    assert http_get(f"{base}/live") == (200, {"live": True})
    status, stats = http_get(f"{base}/stats")
    assert status == 200
    assert {"received", "succeeded", "dropped", "failed", "in_flight", "last_error", "uptime_seconds"} <= set(stats)
    assert http_get(f"{base}/nowhere")[0] == 404

    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "flag": str(flag)})
    child.wait_events("started", 1)
    assert svc_poll(lambda: http_get(f"{base}/stats")[1]["in_flight"] == 1, 10)
    child.signal(signal.SIGTERM)
    status, body = svc_poll(lambda: (lambda answer: answer[0] == 503 and answer)(http_get(f"{base}/ready")), 10)
    assert body == {"ready": False, "broker_reachable": True, "draining": True}
    assert child.process.poll() is None and not child.events("finished")

    flag.touch()
    assert child.wait() == 0, child.log()
    assert len(child.events("finished")) == 1
    assert svc_broker.depth(queue_url) == 0
