"""
Configuration errors end a consumer at start (exit 2, a message naming the fix) instead of a
back-off that never ends; an endpoint that does not answer yet is still an outage to ride out.

"""
import signal

from svc_support import free_port, svc_poll


NO_CREDENTIALS = dict(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="", AWS_SESSION_TOKEN="",
                      AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent",
                      AWS_EC2_METADATA_DISABLED="true")


def missing_queue(svc_broker) -> str:
    return svc_broker.queue().rsplit("/", 1)[0] + "/svc-no-such-queue"


def test_a_queue_that_does_not_exist_exits_2_naming_the_option(svc_broker, svc_consume):
    """An unknown queue URL: exit 2 before consuming, with a message that says which setting to fix."""
    queue_url = missing_queue(svc_broker)
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", queue_url)

    assert child.wait(30) == 2, child.log()
    assert f"configuration error: queue {queue_url} does not exist: check --sqs-queue-url" in child.log()
    assert "consuming" not in child.log() and "backing off" not in child.log()


def test_no_credentials_exits_2_saying_where_credentials_come_from(svc_broker, svc_consume):
    """Without any AWS credentials: exit 2 with the ways to provide them, not an endless WARNING."""
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", svc_broker.queue(),
                        **NO_CREDENTIALS)

    assert child.wait(30) == 2, child.log()
    assert "configuration error: no AWS credentials found: set AWS_PROFILE" in child.log()
    assert "consuming" not in child.log()


def test_workers_of_a_manager_with_a_missing_queue_are_not_restarted(svc_broker, svc_consume):
    """With --processes 2 the workers' configuration error ends the manager with exit 2, without restarts."""
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", missing_queue(svc_broker),
                        "--processes", "2")

    assert child.wait(30) == 2, child.log()
    assert "does not exist" in child.log() and "restarting" not in child.log()


def test_an_endpoint_that_does_not_answer_yet_is_ridden_out(svc_consume):
    """Connection refused at start is an outage: the consumer starts, backs off, and stops cleanly on SIGTERM."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", f"{endpoint}/123456789012/q",
                        AWS_ENDPOINT_URL=endpoint)

    assert svc_poll(lambda: "backing off until it answers" in child.log(), 60), child.log()
    assert child.process.poll() is None
    child.signal(signal.SIGTERM)
    assert child.wait(30) == 0, child.log()
