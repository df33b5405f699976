"""
An async handler met by a sync dispatch path runs to completion: never deleted unrun.

The drop-in `handle_message`/`handle_batch`, a callback consumer's handler and a thread worker
all call handlers synchronously; an `async def` handler's coroutine is truthy, so taking it as the
verdict would delete the message without running the handler.

"""
import asyncio
import warnings
from json import dumps
from unittest.mock import MagicMock

import pytest

from microcosm_pubsub.callback_consumer import CallbackHandler
from microcosm_pubsub.conventions import created
from microcosm_pubsub.errors import Nack
from microcosm_pubsub.registry import CATCH_ALL
from microcosm_pubsub.result import MessageHandlingResultType as Result


JOB = created("async_sync_path_job")
URI = "http://example.com/jobs/1"


@pytest.fixture
def graph(core_make_graph):
    """A graph on moto whose consumer client records its calls."""
    graph = core_make_graph()
    graph.sqs_consumer.sqs_client = MagicMock(wraps=graph.sqs_consumer.sqs_client)
    return graph


@pytest.fixture
def send(core_broker):
    """Sends `count` job messages to the consumed queue."""
    def send_jobs(count=1):
        for index in range(count):
            core_broker.send(dumps(dict(mediaType=JOB, uri=f"{URI}/{index}")))
    return send_jobs


@pytest.fixture
def received(graph, send):
    """Sends `count` job messages and receives them as one batch."""
    def receive(count=1):
        send(count)
        return graph.sqs_consumer.consume()
    return receive


def test_handle_message_awaits_an_async_handler_before_deleting(graph, received):
    """The coroutine runs to its end, and only then is the message deleted."""
    steps = []

    async def handler(content):
        steps.append("started")
        await asyncio.sleep(0)
        steps.append(content["uri"])
        return True

    [message] = received()
    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: handler})

    assert result.result is Result.SUCCEEDED
    assert steps == ["started", f"{URI}/0"]
    assert graph.sqs_consumer.sqs_client.delete_message.call_count == 1


def test_an_async_handlers_outcome_exception_is_honoured(graph, received):
    """A Nack raised after an await retries the message with its timeout; nothing is deleted."""
    async def handler(content):
        await asyncio.sleep(0)
        raise Nack(7)

    [message] = received()
    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: handler})

    assert result.result is Result.RETRIED
    sqs = graph.sqs_consumer.sqs_client
    assert sqs.delete_message.call_count == 0
    assert sqs.change_message_visibility.call_args.kwargs["VisibilityTimeout"] == 7


def test_handle_batch_runs_an_async_class_handler_per_message(graph, send):
    """`handle_batch` over an instance with `async def __call__` handles every message of the batch."""
    class AsyncHandler:
        def __init__(self):
            self.seen = []

        async def __call__(self, content):
            await asyncio.sleep(0)
            self.seen.append(content["uri"])
            return True

    handler = AsyncHandler()
    send(3)
    results = graph.sqs_message_dispatcher.handle_batch({JOB: handler})

    assert [result.result for result in results] == [Result.SUCCEEDED] * 3
    assert sorted(handler.seen) == [f"{URI}/{index}" for index in range(3)]
    assert graph.sqs_consumer.sqs_client.delete_message.call_count == 3


def test_inside_a_running_loop_the_sync_path_fails_the_message_instead_of_deleting(graph, received):
    """Called from async code, the sync path cannot block: FAILED (retried), coroutine closed, no warning."""
    ran = []

    async def handler(content):
        ran.append(content)
        return True

    [message] = received()

    async def call_from_async_code():
        return graph.sqs_message_dispatcher.handle_message(message, {JOB: handler})

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = asyncio.run(call_from_async_code())

    assert result.result is Result.FAILED
    assert "process_message_async" in result.reason
    assert ran == []
    assert graph.sqs_consumer.sqs_client.delete_message.call_count == 0


def test_an_async_callback_runs_before_its_message_is_deleted(graph, received):
    """A `pubsub consume --callback` async function gets the whole message and is awaited."""
    seen = []

    async def callback(message):
        await asyncio.sleep(0)
        seen.append(message.message_id)

    handler = CallbackHandler(callback)
    [message] = received()
    result = graph.sqs_message_dispatcher.handle_message(message, {CATCH_ALL: handler})

    assert handler.is_async is True
    assert result.result is Result.SUCCEEDED
    assert seen == [message.message_id]


def test_handle_batch_gives_a_batch_handler_its_messages_in_one_call(graph, send):
    """The drop-in `handle_batch` with a registered batch handler: one call, each message resolved at once."""
    from microcosm_pubsub.errors import BatchFailures
    from microcosm_pubsub.registry import BatchSpec

    calls = []

    def insert(messages):
        calls.append(sorted(message.content["uri"] for message in messages))
        raise BatchFailures({messages[0].message_id: Nack(9)})

    graph.sqs_message_handler_registry.register(JOB, insert, batch=BatchSpec(max_size=10))
    send(3)
    results = graph.sqs_message_dispatcher.handle_batch({JOB: insert})

    sqs = graph.sqs_consumer.sqs_client
    assert calls == [[f"{URI}/{index}" for index in range(3)]]
    assert sorted(result.result.name for result in results) == ["RETRIED", "SUCCEEDED", "SUCCEEDED"]
    assert sqs.delete_message.call_count == 2
    assert sqs.change_message_visibility.call_args.kwargs["VisibilityTimeout"] == 9


def test_handle_message_gives_a_batch_handler_a_batch_of_one(graph, received):
    """`handle_message` with a batch handler calls it with a list holding that one message."""
    from microcosm_pubsub.registry import BatchSpec

    calls = []

    async def insert(messages):
        calls.append([message.message_id for message in messages])

    graph.sqs_message_handler_registry.register(JOB, insert, batch=BatchSpec(max_size=10))
    [message] = received()
    result = graph.sqs_message_dispatcher.handle_message(message, {JOB: insert})

    assert calls == [[message.message_id]]
    assert result.result is Result.SUCCEEDED
