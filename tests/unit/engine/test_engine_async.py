"""
Async handlers in the consume engine: every message is awaited, its outcome honoured.

"""
import asyncio

from engine_support import wait_until


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
