"""
Credentials never reach a daemon's output, even with `--debug` and DEBUG logging.

"""
import pytest
from fault_proxy import FaultProxy


SECRET_KEY = "a-distinctive-secret-key-0123456789"
SESSION_TOKEN = "a-distinctive-token"


@pytest.mark.parametrize("level", [None, "DEBUG"])
def test_debug_daemon_never_prints_secret_key_or_session_token(
    broker, moto_endpoint, start_daemon, make_items, wait_for, level,
):
    """A --debug daemon that handles good and bad messages and rides out a broker fault prints no secret."""
    # Given a daemon run with --debug (and, in one case, every logger at DEBUG) and a session token
    env = {"AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_SESSION_TOKEN": SESSION_TOKEN}
    if level:
        env["FUNCTIONAL__LOGGING__LEVEL"] = level
    with FaultProxy(int(moto_endpoint.rsplit(":", 1)[1])) as proxy:
        queue_url = broker.queue_url.replace(broker.endpoint_url, proxy.url)
        daemon = start_daemon(proxy.url, "--sqs-queue-url", queue_url, "--debug", env=env)

        # When it handles good messages and a failing one, and the broker refuses connections for a while
        published = make_items("secret", 5)
        broker.publish_items(published)
        broker.publish_items(make_items("failing", 1), behaviour="fail")
        assert wait_for(lambda: set(daemon.handled()) >= set(published) or not daemon.alive(), timeout=30)
        assert wait_for(lambda: daemon.handled("failed") or not daemon.alive(), timeout=10)
        proxy.refuse()
        assert wait_for(lambda: "cannot receive from SQS" in daemon.stdout() or not daemon.alive(), timeout=15)
        proxy.restore()
        assert wait_for(lambda: "SQS answers again" in daemon.stdout() or not daemon.alive(), timeout=30)
        exit_code = daemon.stop(timeout=30)

    # Then its output (stdout and stderr) shows the activity but neither secret
    output = daemon.output()
    assert exit_code == 0, output
    assert "always fails" in output
    if level:
        assert "[DEBUG]" in output
    assert SECRET_KEY not in output
    assert SESSION_TOKEN not in output
