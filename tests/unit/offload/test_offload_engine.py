"""
Large messages in the daemon's engine: payloads are downloaded by the workers, never the poller,
and a payload that cannot be had fails its own message only.

"""
from threading import Lock, Thread

import pytest
from offload_support import BLOB, BUCKET, CallRecorder, blob, wait_until

from microcosm_pubsub.engine import ConsumeEngine
from microcosm_pubsub.registry import BatchSpec
from microcosm_pubsub.testing.moto_server import serialised_moto_sqs


@pytest.fixture
def run_engine():
    """Runs a ConsumeEngine over a graph's queue until stopped (at the latest at teardown)."""
    engines = []

    def run(graph, handler, concurrency: int = 2) -> ConsumeEngine:
        engine = ConsumeEngine(graph, {BLOB: handler}, concurrency=concurrency, shutdown_timeout=5)
        thread = Thread(target=engine.run, name="offload-engine", daemon=True)
        engines.append((engine, thread))
        thread.start()
        return engine

    with serialised_moto_sqs():
        yield run
        for engine, thread in engines:
            engine.request_stop()
            thread.join(20)


def test_downloads_run_on_workers_and_failures_stay_with_their_message(make_offload_graph, s3, run_engine):
    """Five 1 MiB messages, one whose object is gone: four handled, one failed; every GET made by a worker thread."""
    graph = make_offload_graph(consumer=dict(message_retry_visibility_timeout_seconds=60))
    for index in range(5):
        graph.sns_producer.produce(BLOB, blob(f"m{index}"))
    s3.delete_object(Bucket=BUCKET, Key=s3.list_objects_v2(Bucket=BUCKET)["Contents"][0]["Key"])
    s3_calls = CallRecorder(graph.sqs_consumer.sqs_envelope.payload_resolver.store.s3_client)
    sqs_calls = CallRecorder(graph.sqs_consumer.sqs_client)
    handled, lock = [], Lock()

    def handler(content):
        with lock:
            handled.append(content["name"])
        return True

    engine = run_engine(graph, handler)

    assert wait_until(lambda: engine.stats["succeeded"] == 4 and engine.stats["failed"] == 1)
    assert len(set(handled)) == 4
    assert {thread.split("-")[1] for thread in s3_calls.threads("GetObject")} == {"worker"}
    assert {thread.split("-")[1] for thread in sqs_calls.threads("ReceiveMessage")} == {"poller"}


def test_the_engine_deletes_handled_payloads_when_asked(make_offload_graph, s3, run_engine):
    """With large_payload_delete, the engine removes each handled message's S3 object."""
    graph = make_offload_graph(consumer=dict(large_payload_delete=True))
    for index in range(3):
        graph.sns_producer.produce(BLOB, blob(f"d{index}"))

    engine = run_engine(graph, lambda content: True)

    assert wait_until(lambda: engine.stats["succeeded"] == 3)
    assert wait_until(lambda: s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0)


def test_a_batch_handler_gets_large_messages_as_batches(make_offload_graph, s3, run_engine):
    """A large message's type is known only after its download; a batch handler still gets a list of messages."""
    graph = make_offload_graph()
    for index in range(3):
        graph.sns_producer.produce(BLOB, blob(f"b{index}"))
    batches, lock = [], Lock()

    def insert_rows(messages):
        with lock:
            batches.append([message.content["name"] for message in messages])

    graph.sqs_message_handler_registry.register(BLOB, insert_rows, BatchSpec(max_size=5, max_wait_seconds=0.1))
    engine = run_engine(graph, insert_rows)

    assert wait_until(lambda: engine.stats["succeeded"] == 3)
    assert sorted(name for batch in batches for name in batch) == ["b0", "b1", "b2"]
    assert engine.stats["failed"] == 0
