"""
The Lambda entry point builds its graph once per container and runs each event's records through
the engine's dispatch: async handlers, batch handlers and concurrency included.

"""
import asyncio
import threading
from json import dumps

import pytest
from marshmallow import fields
from microcosm.api import binding

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles, handles_batch, schema
from microcosm_pubsub.errors import BatchFailures, Nack


@schema
class AsyncWork(PubSubMessageSchema):
    MEDIA_TYPE = "application/vnd.acme.pubsub.lambda_async_work"

    item = fields.String(required=True)
    group = fields.String(required=False)


@schema
class BulkWork(PubSubMessageSchema):
    MEDIA_TYPE = "application/vnd.acme.pubsub.lambda_bulk_work"

    item = fields.String(required=True)


SEEN = []
BATCH_CALLS = []
BUILT = []


class AsyncWorkHandler:
    """An async class handler, built once per graph (BUILT counts the builds)."""

    def __init__(self, graph):
        BUILT.append(self)

    async def __call__(self, content):
        await asyncio.sleep(0)
        if content["item"].startswith("retry"):
            raise Nack(0)
        SEEN.append(content["item"])
        return True


handles(AsyncWork)(AsyncWorkHandler)


@handles_batch(BulkWork, max_size=10, max_wait_seconds=0)
def insert_rows(messages):
    BATCH_CALLS.append([message.content["item"] for message in messages])
    bad = {message.message_id: Nack(0) for message in messages if message.content["item"] == "bad"}
    if bad:
        raise BatchFailures(bad)


@binding("lambda_async_handler")
def configure_async_handler(graph):
    return AsyncWorkHandler(graph)


@binding("lambda_bulk_handler")
def configure_bulk_handler(graph):
    return insert_rows


class AsyncLambdaDaemon(ConsumerDaemon):
    name = "async_lambda_daemon"
    components = ConsumerDaemon.components + ["lambda_async_handler", "lambda_bulk_handler"]


def record(message_id, item, media_type=AsyncWork.MEDIA_TYPE, group=None, fifo=False):
    content = {"mediaType": media_type, "item": item, **({"group": group} if group else {})}
    attributes = {"ApproximateReceiveCount": "1", **({"MessageGroupId": group} if group else {})}
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": dumps(content),
            "attributes": attributes,
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:work" + (".fifo" if fifo else "")}


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for recorded in (SEEN, BATCH_CALLS, BUILT):
        recorded.clear()


def test_the_graph_is_built_once_for_many_events():
    """Three events: one graph build, no handler built after the first event, every record handled."""
    handler = AsyncLambdaDaemon.make_lambda_handler()

    answers = [handler({"Records": [record("m0", "item-0")]}, None)]
    built_by_first_event = len(BUILT)
    answers += [handler({"Records": [record(f"m{n}", f"item-{n}")]}, None) for n in (1, 2)]

    assert answers == [{"batchItemFailures": []}] * 3
    assert handler.graph_builds == 1
    assert len(BUILT) == built_by_first_event
    assert SEEN == ["item-0", "item-1", "item-2"]


def test_async_handlers_handle_every_record_and_report_the_retried_ones():
    """Ten records to an async handler: eight handled, the two nacked come back as failures."""
    handler = AsyncLambdaDaemon.make_lambda_handler()
    records = [record(f"m{n}", "retry" if n in (3, 7) else f"item-{n}") for n in range(10)]

    answer = handler({"Records": records}, None)

    assert sorted(SEEN) == sorted(f"item-{n}" for n in range(10) if n not in (3, 7))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m7"}]}


def test_a_batch_handler_gets_the_events_records_in_one_call():
    """Six bulk records, one of them bad: one call with all six, only the bad one reported."""
    handler = AsyncLambdaDaemon.make_lambda_handler()
    records = [record(f"b{n}", "bad" if n == 2 else f"row-{n}", media_type=BulkWork.MEDIA_TYPE) for n in range(6)]
    records.append(record("a0", "item-a"))

    answer = handler({"Records": records}, None)

    assert BATCH_CALLS == [["row-0", "row-1", "bad", "row-3", "row-4", "row-5"]]
    assert SEEN == ["item-a"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "b2"}]}


def test_fifo_records_after_a_failure_in_their_group_fail_unrun():
    """FIFO: A1 is nacked, so A2 is returned unrun; group B is unaffected."""
    handler = AsyncLambdaDaemon.make_lambda_handler()
    records = [record("a0", "A0", group="A", fifo=True), record("b0", "B0", group="B", fifo=True),
               record("a1", "retry-A1", group="A", fifo=True), record("a2", "A2", group="A", fifo=True),
               record("b1", "B1", group="B", fifo=True)]

    answer = handler({"Records": records}, None)

    assert SEEN == ["A0", "B0", "B1"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "a1"}, {"itemIdentifier": "a2"}]}


def test_sync_records_run_concurrently_with_concurrency(monkeypatch):
    """With sqs_consumer.concurrency 4, four sync records of one event are handled at the same time."""
    monkeypatch.setenv("SYNC_LAMBDA_DAEMON__SQS_CONSUMER__CONCURRENCY", "4")
    together = threading.Barrier(4, timeout=5)
    handled = []

    @binding("lambda_sync_handler")
    def configure_sync_handler(graph):
        def handle(content):
            together.wait()
            handled.append(content["item"])
            return True
        return handle

    class SyncLambdaDaemon(ConsumerDaemon):
        name = "sync_lambda_daemon"
        components = ConsumerDaemon.components + ["lambda_sync_handler"]

        def create_object_graph_components(self, graph):
            super().create_object_graph_components(graph)
            self.bound_handlers = {AsyncWork.MEDIA_TYPE: graph.lambda_sync_handler}

    handler = SyncLambdaDaemon.make_lambda_handler()
    answer = handler({"Records": [record(f"m{n}", f"item-{n}") for n in range(4)]}, None)

    assert answer == {"batchItemFailures": []}
    assert sorted(handled) == [f"item-{n}" for n in range(4)]


def test_fifo_a_batch_reports_a_groups_records_after_its_failure():
    """FIFO bulk records A0, A1 (bad), A2 in one batch: A1 and A2 return to the queue, A0 does not."""
    handler = AsyncLambdaDaemon.make_lambda_handler()
    records = [record(f"a{n}", "bad" if n == 1 else f"A{n}", media_type=BulkWork.MEDIA_TYPE, group="A", fifo=True)
               for n in range(3)]

    answer = handler({"Records": records}, None)

    assert BATCH_CALLS == [["A0", "bad", "A2"]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "a1"}, {"itemIdentifier": "a2"}]}
