"""The visibility heartbeat keeps beating when one beat fails."""
import logging
from types import SimpleNamespace

from engine_support import wait_until

from microcosm_pubsub.engine.heartbeat import VisibilityHeartbeat
from microcosm_pubsub.engine.holdings import Holdings
from microcosm_pubsub.engine.stats import EngineStats


def test_a_failed_extension_is_logged_and_the_next_beat_extends(caplog):
    message = SimpleNamespace(receipt_handle="handle-1", message_id="m-1")
    holdings = Holdings(capacity=1)
    holdings.add([message])
    extended = []

    def extend(held_message, seconds):
        if not extended:
            extended.append(None)
            raise RuntimeError("resolver unavailable")
        extended.append((held_message.message_id, seconds))

    heartbeat = VisibilityHeartbeat(holdings, extend, visibility_timeout=1, max_seconds=60,
                                    stats=EngineStats(), logger=logging.getLogger("heartbeat-test"))
    heartbeat.start()
    try:
        assert wait_until(lambda: ("m-1", 1) in extended, timeout=10)
    finally:
        heartbeat.stop()
    assert "visibility heartbeat failed" in caplog.text
