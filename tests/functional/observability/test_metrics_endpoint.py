"""
`GET /metrics` of a daemon subprocess on moto: every counter matches what the run did, and under
`--processes 2` the manager answers one `/metrics` with each worker's series labelled.

"""
import json
from urllib.request import urlopen

from daemon_support import ITEM_MEDIA_TYPE
from prometheus_client.parser import text_string_to_metric_families


# a failed message stays invisible for the rest of the test, so each message is handled once
ENV = {"FUNCTIONAL__SQS_CONSUMER__MESSAGE_RETRY_VISIBILITY_TIMEOUT_SECONDS": "600"}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrape(port: int) -> dict:
    """{(sample name, sorted labels): value} of one /metrics answer (empty while nothing answers)."""
    try:
        with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = response.read().decode()
    except OSError:
        return {}
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    return sum(found for (sample, sample_labels), found in samples.items()
               if sample == name and set(labels.items()) <= set(sample_labels))


def settled(samples: dict) -> bool:
    """Whether every message of the mixed run was handled and its delete or visibility change sent."""
    return (value(samples, "pubsub_messages_handled_total") >= 7
            and value(samples, "pubsub_sqs_entries_total", operation="delete") >= 6
            and value(samples, "pubsub_sqs_entries_total", operation="change_visibility") >= 1)


def mixed_run(broker) -> None:
    """Five items that succeed, one that fails, one no handler knows (published through SNS)."""
    broker.publish_items([f"ok-{index}" for index in range(5)])
    broker.publish_items(["bad"], behaviour="fail")
    broker.send_raw({"mediaType": "application/vnd.nobody.handles.this", "x": 1})


def test_metrics_count_what_a_mixed_run_did(broker, start_daemon, wait_for):
    """Results by media type, durations, ages, SQS calls and entries, in flight and received match the run."""
    port = free_port()
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, "--health-port", str(port),
                          env=ENV)
    mixed_run(broker)

    samples = wait_for(lambda: (lambda found: settled(found) and found)(scrape(port)), 30)

    assert samples, daemon.output()
    handled = "pubsub_messages_handled_total"
    assert value(samples, handled, media_type=ITEM_MEDIA_TYPE, result="SUCCEEDED") == 5
    assert value(samples, handled, media_type=ITEM_MEDIA_TYPE, result="FAILED") == 1
    assert value(samples, handled, media_type="other", result="IGNORED") == 1
    assert value(samples, handled) == 7
    assert value(samples, "pubsub_handler_duration_seconds_count", media_type=ITEM_MEDIA_TYPE) == 6
    assert value(samples, "pubsub_message_age_seconds_count") == 7
    assert 0 <= value(samples, "pubsub_message_age_seconds_sum") < 60
    assert value(samples, "pubsub_messages_received_total") == 7
    assert value(samples, "pubsub_sqs_entries_total", operation="receive") == 7
    assert value(samples, "pubsub_sqs_calls_total", operation="receive") >= 1
    assert value(samples, "pubsub_sqs_entries_total", operation="delete") == 6
    assert value(samples, "pubsub_sqs_entries_total", operation="change_visibility") == 1
    assert 1 <= value(samples, "pubsub_sqs_calls_total", operation="delete") <= 6
    assert value(samples, "pubsub_sqs_call_failures_total") == 0
    assert value(samples, "pubsub_broker_errors_total") == 0
    assert value(samples, "pubsub_messages_in_flight") == 0
    assert value(samples, "pubsub_heartbeat_extensions_total") == 0
    assert daemon.stop() == 0


def test_processes_share_one_metrics_endpoint_labelled_by_worker(broker, start_daemon, wait_for):
    """`--processes 2 --health-port P`: P answers for both workers, each series labelled worker 0 or 1."""
    port = free_port()
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, "--health-port", str(port),
                          "--processes", "2", env=ENV)
    assert wait_for(lambda: {"0", "1"} <= workers(scrape(port)), 30), daemon.output()
    broker.publish_items([f"item-{index}" for index in range(12)])

    samples = wait_for(lambda: (lambda found: value(found, "pubsub_messages_handled_total") >= 12
                                and found)(scrape(port)), 30)

    assert samples, daemon.output()
    per_worker = [value(samples, "pubsub_messages_received_total", worker=worker) for worker in ("0", "1")]
    assert sum(per_worker) == 12
    assert value(samples, "pubsub_messages_handled_total", result="SUCCEEDED") == 12
    assert all(dict(labels).get("worker") in ("0", "1") for _, labels in samples)
    with urlopen(f"http://127.0.0.1:{port}/stats", timeout=2) as response:
        stats = json.loads(response.read())["workers"]
    assert sorted(stats) == ["0", "1"] and sum(worker["body"]["succeeded"] for worker in stats.values()) == 12
    assert daemon.stop() == 0


def workers(samples: dict) -> set:
    return {dict(labels).get("worker") for name, labels in samples if name == "pubsub_messages_in_flight"}
