"""
A halt stops the engine from starting anything more: the rest goes back to the queue.

"""
from json import loads

from microcosm_pubsub.errors import HaltConsumer


def test_halt_consumer_starts_no_further_message(make_engine, handled):
    """After a handler raises HaltConsumer, no prefetched message starts: they go back to the queue."""
    def handle(content):
        handled.add(content)
        if content["index"] == 0:
            raise HaltConsumer(exit_code=3, reason="cannot go on")
        return True

    rig = make_engine(handle, concurrency=1)
    rig.send(range(5))

    rig.start()
    assert rig.join() == 3

    # messages 1-4 were received with message 0 but never started when it halted: the graceful
    # stop should return them (visibility 0), not handle them after the halt
    assert handled.indexes() == [0]
    assert rig.engine.stats["released"] == 4
    returned = rig.sqs.receive_message(QueueUrl=rig.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(loads(raw["Body"])["index"] for raw in returned) == [1, 2, 3, 4]
