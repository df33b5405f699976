"""
Engine bugs found by the behaviour tests; each test fails until its bug is fixed.

"""
from threading import Event

from engine_support import wait_until


def test_fifo_idle_worker_receives_other_groups_while_one_group_is_backlogged(make_engine, handled):
    """A FIFO group's received backlog must not keep an idle worker from another group's message."""
    other_group_handled = Event()
    head_saw_other_group = []

    def handle(content):
        if content["group"] == "B":
            other_group_handled.set()
        elif content["index"] == 0:
            head_saw_other_group.append(other_group_handled.wait(3))
        handled.add(content)
        return True

    rig = make_engine(handle, concurrency=2, fifo=True)
    rig.send(range(10), group="A")
    rig.send([0], group="B")

    rig.start()
    assert wait_until(lambda: len(handled) == 11, timeout=15)
    rig.stop()

    # A0 holds group A; A1..A9 wait behind it and one worker is idle, with room for 2 more
    # messages under the in-flight cap, so B0 should be received and handled meanwhile.
    assert head_saw_other_group == [True]
