"""
The shipped moto fixtures come with a bucket: large messages work in users' suites as in production.

"""
from offload_support import BLOB, MIB, blob


def test_the_shipped_environment_publishes_and_reads_back_large_messages(pubsub_environment):
    """`published()` reads a 1 MiB message back from S3, and the queue held only its pointer."""
    pubsub_environment.graph.sns_producer.produce(BLOB, blob("fixture"))

    [body] = pubsub_environment.published()

    assert body["mediaType"] == BLOB and body["name"] == "fixture" and len(body["data"]) == MIB


def test_the_shipped_environment_drains_large_messages_to_handlers(pubsub_environment):
    """`drain()` hands the handler the content of an offloaded message."""
    pubsub_environment.graph.sns_producer.produce(BLOB, blob("drained"))
    seen = []

    [result] = pubsub_environment.drain({BLOB: lambda content: seen.append(content["name"]) or True})

    assert result.result.name == "SUCCEEDED" and seen == ["drained"]
