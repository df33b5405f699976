"""
The `pubsub` command with `--large-payload-bucket`: large messages published and read like any other.

"""
from json import dumps, loads

import pytest
from offload_support import BLOB, BUCKET, blob, object_body

from microcosm_pubsub.main import main


def run_pubsub(*argv: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return exited.value.code


def test_read_prints_the_content_of_an_offloaded_message(make_offload_graph, core_broker, capsys):
    """`pubsub read` prints the payload's content, not the pointer."""
    make_offload_graph(producer=dict(large_payload_always=True)).sns_producer.produce(BLOB, blob("cli", 20))

    code = run_pubsub("--large-payload-bucket", BUCKET, "read", "--queue-url", core_broker.queue_url,
                      "--wait-seconds", "0")

    out = capsys.readouterr().out
    assert code == 0 and f"{BLOB} " in out and '"name": "cli"' in out
    assert core_broker.receive() == []


def test_publish_offloads_a_large_message(core_broker, s3, capsys):
    """`pubsub publish` with a 300 KiB message stores it in the bucket and publishes the pointer."""
    code = run_pubsub("--large-payload-bucket", BUCKET, "publish", "--topic-arn", core_broker.topic_arn,
                      "--media-type", BLOB, "--data", dumps(blob("published", 300 * 1024)))

    [notification] = core_broker.notifications()
    assert code == 0 and loads(object_body(s3, notification["Message"]))["name"] == "published"
