"""
Bugs the functional suite found in the package, each kept as a failing test until it is fixed.

"""


UNKNOWN_MEDIA_TYPE = "application/vnd.globality.pubsub.functional.unknown"


def test_unknown_media_type_is_logged_with_its_reason_and_message_id(broker, start_daemon, wait_for):
    """A message of an unknown media type gets one log line (default level) with its reason and message id."""
    # Given a message whose media type has no schema and no handler
    message_id = broker.send_raw({"mediaType": UNKNOWN_MEDIA_TYPE, "item": "unknown"})

    # When a daemon with default logging consumes it
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url)
    emptied = broker.wait_until_empty(timeout=20)
    exit_code = daemon.stop(timeout=30)

    # Then it left the queue (IGNORED) and one line names its id, its media type and the reason
    lines = [line for line in daemon.stdout().splitlines() if message_id in line]
    assert emptied and exit_code == 0, daemon.output()
    assert len(lines) == 1, daemon.stdout()
    assert "IGNORED" in lines[0] and UNKNOWN_MEDIA_TYPE in lines[0]


def test_concurrency_zero_is_refused_like_other_non_positive_values(broker, start_daemon):
    """`--concurrency 0` exits 2 naming the setting, as `--concurrency -1` does, instead of running with 1."""
    # Given a daemon asked for no workers at all
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, "--concurrency", "0")

    # When it starts
    exit_code = daemon.wait(timeout=8)

    # Then it refuses the configuration
    assert exit_code == 2, daemon.output()
    assert "concurrency" in daemon.stderr()
