"""
A service's `async def on_<method>`: awaited on the engine's event loop, its reply sent from a thread.

"""
import asyncio
import json
import threading

import pytest

from microcosm_pubsub.engine.routing import Router
from microcosm_pubsub.engine.work import LOOP
from microcosm_pubsub.errors import Nack
from microcosm_pubsub.result import MessageHandlingResultType
from microcosm_pubsub.service import PubSubService, request_media_type


SERVICE_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/async-calculator"
REPLY_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/pubsub-reply-0123456789abcdef0123456789abcdef"


class AsyncCalculator(PubSubService):
    """A service with async and sync methods."""

    name = "async_calculator"

    async def on_add(self, message, a, b):
        await asyncio.sleep(0)
        return a + b

    async def on_later(self, message):
        await asyncio.sleep(0)
        raise Nack(5, reason="not yet")

    def on_sync(self, message):
        return threading.current_thread().name


@pytest.fixture
def service():
    daemon = AsyncCalculator.create_for_testing(sqs_queue_url=SERVICE_QUEUE)
    daemon.graph.sqs_consumer.sqs_client.reset_mock()
    daemon.graph.sqs_consumer.sqs_client.send_message.side_effect = None
    return daemon


def parsed(daemon, method, **kwargs):
    body = dict(mediaType=request_media_type("async_calculator", method), requestId=f"req-{method}",
                replyTo=REPLY_QUEUE, service="async_calculator", method=method, kwargs=kwargs)
    return daemon.graph.sqs_envelope.parse_raw_message(None, dict(MessageId=f"m-{method}", ReceiptHandle="rh",
                                                                  Body=json.dumps(body)))


def replies(daemon):
    send = daemon.graph.sqs_consumer.sqs_client.send_message
    return [json.loads(call.kwargs["MessageBody"]) for call in send.call_args_list]


def test_async_methods_route_to_the_event_loop_and_sync_ones_to_threads(service):
    """The engine's router sends an async method's requests to the loop, a sync method's to worker threads."""
    router = Router(service.graph.sqs_message_handler_registry, service.bound_handlers)

    assert router.lanes == {LOOP}
    assert router.route(parsed(service, "add", a=1, b=2)).lane == LOOP
    assert router.route(parsed(service, "sync")).is_async is False


def test_an_async_method_is_awaited_on_the_loop_and_its_reply_sent(service):
    """On the loop, the method's return value goes back to the caller; the message succeeds."""
    message = parsed(service, "add", a=2, b=3)
    dispatcher = service.graph.sqs_message_dispatcher

    result = asyncio.run(dispatcher.process_message_async(message, service.bound_handlers))

    assert result.result is MessageHandlingResultType.SUCCEEDED
    assert [reply["result"] for reply in replies(service)] == [5]


def test_an_outcome_from_an_async_method_keeps_its_queue_meaning(service):
    """A Nack raised after an await retries the request and sends no reply, on the loop and off it."""
    dispatcher = service.graph.sqs_message_dispatcher

    on_loop = asyncio.run(dispatcher.process_message_async(parsed(service, "later"), service.bound_handlers))
    off_loop = dispatcher.process_message(parsed(service, "later"), service.bound_handlers)

    assert (on_loop.result, off_loop.result) == (MessageHandlingResultType.RETRIED,) * 2
    assert replies(service) == []


def test_off_the_loop_an_async_method_still_runs_to_completion(service):
    """The drop-in sync path awaits the method on its own thread and replies."""
    result = service.graph.sqs_message_dispatcher.process_message(parsed(service, "add", a=1, b=1),
                                                                  service.bound_handlers)

    assert result.result is MessageHandlingResultType.SUCCEEDED
    assert [reply["result"] for reply in replies(service)] == [2]
