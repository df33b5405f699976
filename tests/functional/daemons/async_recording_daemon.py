"""
The recording daemon with an async handler: each message awaits, then appends one line to a file.

Same line format and environment as `recording_daemon.py` (FUNCTIONAL_RECORD_FILE,
FUNCTIONAL_HANDLER_SLEEP_SECONDS, here awaited with `asyncio.sleep`), so the launcher's tallies
work unchanged; many messages wait at once on the engine's event loop.

"""
import asyncio
import os

from marshmallow import fields
from microcosm.api import binding

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles, schema


ITEM_MEDIA_TYPE = "application/vnd.globality.pubsub.functional.item"


@schema
class ItemSchema(PubSubMessageSchema):
    """One test item (the recording daemon's schema)."""

    MEDIA_TYPE = ITEM_MEDIA_TYPE

    item = fields.String(required=True)
    behaviour = fields.String(required=False)
    sequence = fields.Integer(required=False)


@binding("async_recording_handler")
@handles(ItemSchema)
class AsyncRecordingHandler:
    """Records each message before and after awaiting."""

    def __init__(self, graph):
        self.graph = graph
        self.fd = os.open(os.environ["FUNCTIONAL_RECORD_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.sleep_seconds = float(os.environ.get("FUNCTIONAL_HANDLER_SLEEP_SECONDS", "0"))

    def record(self, content, marker):
        message_id = self.graph.opaque.get("message_id", "-")
        item = content["item"].encode("unicode_escape").decode("ascii")
        os.write(self.fd, f"{item}\t{message_id}\t{marker}\t{os.getpid()}\n".encode())

    async def __call__(self, content):
        self.record(content, "started")
        await asyncio.sleep(self.sleep_seconds)
        self.record(content, "handled")
        return True


class AsyncRecordingDaemon(ConsumerDaemon):
    """The async daemon under test (config env vars start with FUNCTIONAL__)."""

    @property
    def name(self):
        return "functional"

    @property
    def components(self):
        return super().components + ["async_recording_handler"]


if __name__ == "__main__":
    AsyncRecordingDaemon().run()
