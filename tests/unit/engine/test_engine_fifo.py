"""
FIFO queues: one message per group at a time, in send order; groups in parallel; a failure
holds back only its own group.

"""
from collections import Counter
from threading import Barrier, Event, Lock

from engine_support import wait_until


class GroupWatch:
    """Records each group's handled order and how many of its handlers ever ran at once."""

    def __init__(self):
        self.lock = Lock()
        self.running = Counter()
        self.most_at_once = Counter()
        self.order = []

    def enter(self, group):
        with self.lock:
            self.running[group] += 1
            self.most_at_once[group] = max(self.most_at_once[group], self.running[group])

    def leave(self, group, index, succeeded=True):
        with self.lock:
            self.running[group] -= 1
            if succeeded:
                self.order.append((group, index))

    def indexes(self, group):
        with self.lock:
            return [index for item_group, index in self.order if item_group == group]

    def switches(self):
        """How often consecutive handled messages belong to different groups."""
        with self.lock:
            return sum(1 for before, after in zip(self.order, self.order[1:]) if before[0] != after[0])


def test_fifo_keeps_group_order_and_runs_groups_in_parallel(make_engine):
    """3 groups x 6 messages, concurrency 4: each group in send order, groups overlapping."""
    watch, heads = GroupWatch(), Barrier(3, timeout=5)

    def handle(content):
        watch.enter(content["group"])
        try:
            if content["index"] == 0:
                heads.wait()
        finally:
            watch.leave(content["group"], content["index"])
        return True

    rig = make_engine(handle, concurrency=4, fifo=True)
    rig.send_interleaved("ABC", per_group=6)

    rig.start()
    assert wait_until(lambda: len(watch.order) >= 18, timeout=15)
    rig.stop()

    assert not heads.broken
    assert {group: watch.indexes(group) for group in "ABC"} == {group: list(range(6)) for group in "ABC"}
    assert set(watch.most_at_once.values()) == {1}
    assert watch.switches() > 2
    assert rig.engine.stats["succeeded"] == 18
    assert rig.depth() == 0


def test_fifo_failure_holds_back_only_its_group(make_engine):
    """A2 fails once: group B finishes first, and group A resumes at A2 in send order."""
    watch, attempts, lock = GroupWatch(), Counter(), Lock()

    def handle(content):
        key = (content["group"], content["index"])
        watch.enter(content["group"])
        with lock:
            attempts[key] += 1
            fails = key == ("A", 2) and attempts[key] == 1
        watch.leave(*key, succeeded=not fails)
        if fails:
            raise RuntimeError("A2 fails on its first attempt")
        return True

    rig = make_engine(handle, concurrency=4, fifo=True, message_retry_visibility_timeout_seconds=1)
    rig.send_interleaved("AB", per_group=6)

    rig.start()
    assert wait_until(lambda: len(watch.order) >= 12, timeout=15)
    rig.stop()

    assert watch.indexes("A") == list(range(6))
    assert watch.indexes("B") == list(range(6))
    assert watch.order.index(("B", 5)) < watch.order.index(("A", 2))
    assert attempts[("A", 2)] == 2
    assert all(count == 1 for key, count in attempts.items() if key != ("A", 2))
    assert set(watch.most_at_once.values()) == {1}
    assert rig.engine.stats["failed"] == 1
    assert rig.depth() == 0


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

    assert head_saw_other_group == [True]
