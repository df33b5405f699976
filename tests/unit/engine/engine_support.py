"""
Helpers for the consume engine's behaviour tests: the probe schema, `wait_until`, the rig.

Imported as `engine_support` (this folder is on sys.path under pytest's default import mode) by
the conftest and the tests alike, so the probe schema is registered once.

"""
from dataclasses import dataclass, field
from json import dumps
from threading import Lock, Thread
from time import monotonic, sleep
from typing import Any, Callable, Optional

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.decorators import schema
from microcosm_pubsub.engine import ConsumeEngine


PROBE = "application/vnd.microcosm.engine-probe"


@schema
class EngineProbeSchema(PubSubMessageSchema):
    """A test message: its position in a sequence, its FIFO group, and optional padding."""

    MEDIA_TYPE = PROBE

    index = fields.Integer(required=True)
    group = fields.String(required=False)
    padding = fields.String(required=False)


PROBE_B = "application/vnd.microcosm.engine-probe-b"


@schema
class OtherProbeSchema(EngineProbeSchema):
    """The probe under a second media type, for daemons with two handlers."""

    MEDIA_TYPE = PROBE_B


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01) -> bool:
    """Poll `predicate` until it is true or `timeout` passes; return its last truth."""
    deadline = monotonic() + timeout
    while not predicate():
        if monotonic() > deadline:
            return bool(predicate())
        sleep(interval)
    return True


@dataclass
class Handled:
    """A thread-safe record of what handlers saw, in the order they finished."""

    items: list = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    def add(self, content: dict) -> None:
        with self.lock:
            self.items.append((content.get("group"), content["index"]))

    def indexes(self, group: Optional[str] = None) -> list[int]:
        with self.lock:
            return [index for item_group, index in self.items if group is None or item_group == group]

    def __len__(self) -> int:
        with self.lock:
            return len(self.items)


@dataclass
class EngineRig:
    """A queue, a graph consuming it, and the engine running over them."""

    sqs: Any
    queue_url: str
    graph: Any
    engine: ConsumeEngine
    thread: Optional[Thread] = None
    exit_code: Optional[int] = None

    @property
    def fifo(self) -> bool:
        return self.queue_url.endswith(".fifo")

    def body(self, index: int, group: Optional[str] = None, media_type: str = PROBE, **fields: Any) -> str:
        content = dict(mediaType=media_type, index=index, **fields)
        if group is not None:
            content["group"] = group
        return dumps(content)

    def send(self, indexes: Any, group: Optional[str] = None, **fields: Any) -> None:
        """Send probe messages with these indexes (raw bodies), ten per SendMessageBatch."""
        self.send_entries([(index, group) for index in indexes], **fields)

    def send_interleaved(self, groups: str, per_group: int) -> None:
        """Send `per_group` messages to each FIFO group, round-robin: A0, B0, A1, B1, ..."""
        self.send_entries([(index, group) for index in range(per_group) for group in groups])

    def send_entries(self, entries: list, **fields: Any) -> None:
        """Send one probe message per (index, group) pair, in order, ten per SendMessageBatch."""
        for start in range(0, len(entries), 10):
            batch = [
                dict(Id=str(position), MessageBody=self.body(index, group, **fields),
                     **(dict(MessageGroupId=group) if self.fifo else {}))
                for position, (index, group) in enumerate(entries[start:start + 10])
            ]
            self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=batch)

    def depth(self) -> int:
        """Messages still in the queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def start(self, stop_signals: Any = None) -> "EngineRig":
        self.thread = Thread(target=self._run, args=(stop_signals,), name="engine-under-test", daemon=True)
        self.thread.start()
        return self

    def _run(self, stop_signals: Any) -> None:
        self.exit_code = self.engine.run(stop_signals)

    def join(self, timeout: float = 20.0) -> Optional[int]:
        """Wait for `run()` to return (after a stop it requested itself); return its exit code."""
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the engine did not stop in time"
        return self.exit_code

    def stop(self, timeout: float = 20.0) -> Optional[int]:
        """Request a graceful stop and wait for `run()` to return its exit code."""
        self.engine.request_stop()
        return self.join(timeout)
