"""
Async handlers in the consume engine: awaited on one event loop, outcomes as for sync handlers.

"""
import asyncio
import threading
from json import loads

import pytest
from engine_support import PROBE_B, wait_until

from microcosm_pubsub.errors import Drop, HaltConsumer, IgnoreMessage, Nack, SkipMessage


def test_an_async_handler_runs_for_every_message_before_its_delete(make_engine, handled):
    """5 messages to an `async def` handler: each handler body runs, then each message is deleted."""
    async def handle(content):
        await asyncio.sleep(0.001)
        handled.add(content)
        return True

    rig = make_engine(handle, concurrency=2)
    rig.send(range(5))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 5)
    rig.stop()

    assert sorted(handled.indexes()) == [0, 1, 2, 3, 4]
    assert rig.engine.stats["succeeded"] == 5
    assert rig.depth() == 0


def test_outcome_exceptions_from_async_handlers_map_to_their_sqs_actions(make_engine):
    """Nack retries (visibility change), Drop deletes and counts as dropped, a falsy return skips."""
    async def handle(content):
        await asyncio.sleep(0)
        if content["index"] == 0:
            raise Nack(60)
        if content["index"] == 1:
            raise Drop("unwanted")
        return content["index"] != 2

    rig = make_engine(handle, concurrency=4)
    rig.send(range(4))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 3 and rig.engine.stats["visibility_changed"] >= 1)
    rig.stop()

    stats = rig.engine.stats
    assert (stats["retried"], stats["dropped"], stats["skipped"], stats["succeeded"]) == (1, 1, 1, 1)
    assert rig.depth() == 1  # the nacked message, invisible for 60 s


def test_halt_from_an_async_handler_stops_with_its_exit_code(make_engine, handled):
    """HaltConsumer in a coroutine stops the engine gracefully; unstarted messages go back to the queue."""
    async def handle(content):
        handled.add(content)
        if content["index"] == 0:
            raise HaltConsumer(exit_code=4, reason="enough")
        await asyncio.sleep(5)
        return True

    rig = make_engine(handle, concurrency=1)
    rig.send(range(3))

    rig.start()
    assert rig.join() == 4
    assert handled.indexes() == [0]
    returned = rig.sqs.receive_message(QueueUrl=rig.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(loads(raw["Body"])["index"] for raw in returned) == [1, 2]


def test_two_hundred_waiting_coroutines_run_at_once_on_few_threads(make_engine):
    """Concurrency 200 with handlers that wait: all 200 are in flight together, without a thread each."""
    started, release = [], asyncio.Event()
    most_threads = []

    async def handle(content):
        started.append(content["index"])
        most_threads.append(threading.active_count())
        if len(started) >= 200:
            release.set()
        await release.wait()
        return True

    rig = make_engine(handle, concurrency=200)
    rig.send(range(200))

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 200, timeout=30)
    rig.stop()

    assert len(started) == 200
    assert max(most_threads) < 40


def test_a_daemon_mixes_sync_and_async_handlers(make_engine, handled):
    """A sync handler runs on a worker thread, an async one on the event loop, in one engine."""
    where = {}

    def sync_handle(content):
        where[("sync", content["index"])] = threading.current_thread().name
        return True

    async def async_handle(content):
        where[("async", content["index"])] = threading.current_thread().name
        return True

    rig = make_engine(async_handle, concurrency=2, handlers={PROBE_B: sync_handle})
    rig.send(range(3))
    rig.send(range(3), media_type=PROBE_B)

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 6)
    rig.stop()

    assert {where[("async", index)] for index in range(3)} == {"pubsub-event-loop"}
    assert all(where[("sync", index)].startswith("pubsub-worker-") for index in range(3))


def test_a_blocking_sync_handler_does_not_stall_async_handlers(make_engine):
    """A sync handler stuck in time.sleep holds one worker thread; async messages keep flowing meanwhile."""
    unblock, async_done = threading.Event(), []

    def stuck(content):
        unblock.wait(10)
        return True

    async def quick(content):
        await asyncio.sleep(0)
        async_done.append(content["index"])
        return True

    rig = make_engine(quick, concurrency=1, handlers={PROBE_B: stuck})
    rig.send([0], media_type=PROBE_B)
    rig.send(range(5))

    rig.start()
    assert wait_until(lambda: len(async_done) == 5)
    assert not unblock.is_set()
    unblock.set()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 6)
    rig.stop()


def test_an_async_handler_that_blocks_stalls_only_the_loop(make_engine):
    """Documented: a blocking call inside a coroutine holds the loop, but sync handlers go on meanwhile."""
    blocked, sync_finished, sync_done = threading.Event(), threading.Event(), []

    async def blocking(content):
        blocked.set()
        sync_finished.wait(10)  # the mistake: a blocking wait inside a coroutine
        return True

    def sync_handle(content):
        sync_done.append(content["index"])
        if len(sync_done) == 3:
            sync_finished.set()
        return True

    rig = make_engine(blocking, concurrency=2, handlers={PROBE_B: sync_handle})
    rig.send([0])
    rig.start()
    assert blocked.wait(10)
    rig.send(range(3), media_type=PROBE_B)

    assert sync_finished.wait(10)
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 4)
    rig.stop()


def test_at_the_shutdown_deadline_running_coroutines_are_cancelled_and_released(make_engine):
    """A coroutine still waiting when the shutdown timeout ends is cancelled; its message goes back at once."""
    entered, cancelled = threading.Event(), []

    async def handle(content):
        entered.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(content["index"])
            raise
        return True

    rig = make_engine(handle, concurrency=2, shutdown_timeout=0.5)
    rig.send([7])

    rig.start()
    assert entered.wait(10)
    rig.stop()

    assert cancelled == [7]
    assert rig.engine.stats["succeeded"] == 0
    returned = rig.sqs.receive_message(QueueUrl=rig.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [loads(raw["Body"])["index"] for raw in returned] == [7]


def test_an_async_callback_runs_on_the_event_loop(make_engine):
    """A `pubsub consume --callback` coroutine function gets each whole message on the loop thread."""
    from microcosm_pubsub.callback_consumer import CallbackHandler
    from microcosm_pubsub.registry import CATCH_ALL

    seen = []

    async def callback(message):
        await asyncio.sleep(0)
        seen.append((message.content["index"], threading.current_thread().name))

    rig = make_engine(lambda content: True, concurrency=4, handlers={CATCH_ALL: CallbackHandler(callback)})
    rig.send(range(3), media_type=PROBE_B)

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 3)
    rig.stop()

    assert sorted(seen) == [(index, "pubsub-event-loop") for index in range(3)]


def test_fifo_groups_keep_their_order_with_an_async_handler(make_engine):
    """3 groups x 5 messages, concurrency 8: one coroutine per group at a time, each group in send order."""
    order, running, most = {}, {}, {}

    async def handle(content):
        group = content["group"]
        running[group] = running.get(group, 0) + 1
        most[group] = max(most.get(group, 0), running[group])
        await asyncio.sleep(0.01)
        order.setdefault(group, []).append(content["index"])
        running[group] -= 1
        return True

    rig = make_engine(handle, concurrency=8, fifo=True)
    rig.send_interleaved("ABC", per_group=5)

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] >= 15, timeout=20)
    rig.stop()

    assert order == {group: list(range(5)) for group in "ABC"}
    assert most == {group: 1 for group in "ABC"}


@pytest.mark.parametrize("raised, counter, deleted", [
    (SkipMessage("not needed"), "skipped", True),
    (IgnoreMessage("not ours"), "ignored", True),
    (ValueError("boom"), "failed", False),
])
def test_every_outcome_of_an_async_handler_is_counted_and_acted_on(make_engine, raised, counter, deleted):
    """Each outcome raised after an await gets its result and SQS action (delete, or a visibility change)."""
    async def handle(content):
        await asyncio.sleep(0)
        raise raised

    rig = make_engine(handle, concurrency=2, message_retry_visibility_timeout_seconds=60)
    rig.send([0])

    rig.start()
    assert wait_until(lambda: rig.engine.stats["deleted"] + rig.engine.stats["visibility_changed"] >= 1)
    rig.stop()

    assert rig.engine.stats[counter] == 1
    assert rig.engine.stats["deleted"] == (1 if deleted else 0)
