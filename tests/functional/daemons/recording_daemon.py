"""
A consumer daemon for the functional tests: each handled message appends one line to a file.

The line is `item<TAB>message_id<TAB>marker<TAB>pid`, written with one `os.write` on an
O_APPEND descriptor, so lines from concurrent workers never interleave and a line is on disk
as soon as the handler has returned (even if the process is killed right after).

Environment:
- FUNCTIONAL_RECORD_FILE: the file to append to (required).
- FUNCTIONAL_HANDLER_SLEEP_SECONDS: every handler call sleeps this long first (default 0).
- FUNCTIONAL_SLOW_SECONDS: how long a message with `behaviour="slow"` sleeps (default 0).

Behaviours (the message's `behaviour` field): absent/"ok" succeeds; "flaky" raises on its first
attempt in this process and succeeds afterwards; "fail" always raises; "slow" sleeps first.

"""
import os
from threading import Lock
from time import sleep

from marshmallow import fields
from microcosm.api import binding

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles, schema


ITEM_MEDIA_TYPE = "application/vnd.globality.pubsub.functional.item"


@schema
class ItemSchema(PubSubMessageSchema):
    """One test item: its unique id, how the handler should behave, and an optional number."""

    MEDIA_TYPE = ITEM_MEDIA_TYPE

    item = fields.String(required=True)
    behaviour = fields.String(required=False)
    sequence = fields.Integer(required=False)


@binding("recording_handler")
@handles(ItemSchema)
class RecordingHandler:
    """Records every message it handles; misbehaves on request."""

    def __init__(self, graph):
        self.graph = graph
        self.fd = os.open(os.environ["FUNCTIONAL_RECORD_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.sleep_seconds = float(os.environ.get("FUNCTIONAL_HANDLER_SLEEP_SECONDS", "0"))
        self.slow_seconds = float(os.environ.get("FUNCTIONAL_SLOW_SECONDS", "0"))
        self.failed_once = set()
        self.lock = Lock()

    def record(self, content, marker):
        message_id = self.graph.opaque.get("message_id", "-")
        item = content["item"].encode("unicode_escape").decode("ascii")  # one line, whatever the item holds
        line = f"{item}\t{message_id}\t{marker}\t{os.getpid()}\n"
        os.write(self.fd, line.encode())

    def __call__(self, content):
        behaviour = content.get("behaviour") or "ok"
        self.record(content, "started")
        if self.sleep_seconds:
            sleep(self.sleep_seconds)
        if behaviour == "slow":
            sleep(self.slow_seconds)
        if behaviour == "fail":
            self.record(content, "failed")
            raise RuntimeError(f"item {content['item']} always fails")
        if behaviour == "flaky":
            with self.lock:
                first = content["item"] not in self.failed_once
                self.failed_once.add(content["item"])
            if first:
                self.record(content, "failed")
                raise RuntimeError(f"item {content['item']} fails on its first attempt")
        self.record(content, "handled")
        return True


class RecordingDaemon(ConsumerDaemon):
    """The daemon under test (config env vars start with FUNCTIONAL__)."""

    @property
    def name(self):
        return "functional"

    @property
    def components(self):
        return super().components + ["recording_handler"]


if __name__ == "__main__":
    RecordingDaemon().run()
