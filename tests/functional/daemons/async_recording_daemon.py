"""
The recording daemon with an async handler: each message awaits, then appends one line to a file.

Same schema, line format and environment as `recording_daemon.py` (FUNCTIONAL_RECORD_FILE,
FUNCTIONAL_HANDLER_SLEEP_SECONDS, here awaited with `asyncio.sleep`), so the launcher's tallies
work unchanged; many messages wait at once on the engine's event loop.

"""
import asyncio

from microcosm.api import binding
from recording_daemon import ItemSchema, RecordingDaemon, RecordingHandler

from microcosm_pubsub.decorators import handles


@binding("async_recording_handler")
@handles(ItemSchema)
class AsyncRecordingHandler(RecordingHandler):
    """Records each message before and after awaiting (no misbehaviours)."""

    async def __call__(self, content):
        self.record(content, "started")
        await asyncio.sleep(self.sleep_seconds)
        self.record(content, "handled")
        return True


class AsyncRecordingDaemon(RecordingDaemon):
    """The async daemon under test (config env vars start with FUNCTIONAL__)."""

    @property
    def components(self):
        return [name for name in super().components if name != "recording_handler"] + ["async_recording_handler"]


if __name__ == "__main__":
    AsyncRecordingDaemon().run()
