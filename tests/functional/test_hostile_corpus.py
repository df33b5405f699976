"""
A daemon fed a hostile corpus: every good message is handled once, every bad one leaves the queue
with a log line naming its id and reason, and nothing in the output is expanded, forged or secret.

"""

from daemon_support import FAKE_SECRET_KEY, ITEM_MEDIA_TYPE


TWO_ATTEMPTS = {
    "FUNCTIONAL__SQS_MESSAGE_DISPATCHER__MESSAGE_MAX_PROCESSING_ATTEMPTS": "2",
    "FUNCTIONAL__SQS_CONSUMER__MESSAGE_RETRY_VISIBILITY_TIMEOUT_SECONDS": "1",
}
FORMAT_BOMBS = [
    "{exc_info[2].tb_frame.f_globals}", "{process:>30000000}", "%(process)d %s", "{", "}", "{pathname}",
    "\ud800", "one\nFORGED - functional - [ERROR] - owned\r\x1b[2J\x1b[31m\x07",
]


def good_bodies(items):
    """Good messages whose opaque data is as hostile as its fields' types allow."""
    hostile_opaque = [
        {"x-request-published": ["1"]}, {"x-request-published": {"a": 1}}, {"x-request-ttl": "many"},
        {bomb[:20]: bomb for bomb in FORMAT_BOMBS}, {"x-request-id": "\x1b[31m" * 100},
    ]
    return {item: dict(mediaType=ITEM_MEDIA_TYPE, item=item, opaqueData=hostile_opaque[index % len(hostile_opaque)])
            for index, item in enumerate(items)}


def bad_bodies():
    """Messages no handler may succeed on: format strings, control bytes, wrong types, huge or deep bodies."""
    bodies = {f"failing handler {index}": dict(mediaType=ITEM_MEDIA_TYPE, item=bomb, behaviour="fail")
              for index, bomb in enumerate(FORMAT_BOMBS)}
    bodies.update({f"media type {index}": dict(mediaType=bomb, item="x") for index, bomb in enumerate(FORMAT_BOMBS)})
    for field, wrong in [("mediaType", 7), ("mediaType", ["a"]), ("mediaType", {"a": 1}), ("item", {"a": 1}),
                         ("item", None), ("opaqueData", ["x"]), ("sequence", "1e400"), ("behaviour", 5)]:
        bodies[f"wrong type {field}={wrong!r}"] = {"mediaType": ITEM_MEDIA_TYPE, "item": "x", field: wrong}
    bodies["huge number"] = '{"mediaType": "%s", "item": "x", "sequence": %s}' % (ITEM_MEDIA_TYPE, "9" * 5000)
    bodies["huge string"] = dict(mediaType=ITEM_MEDIA_TYPE, item="{" * 200_000, behaviour="fail")
    bodies["deep nesting"] = '{"mediaType": "%s", "item": %s}' % (ITEM_MEDIA_TYPE, "[" * 50_000 + "]" * 50_000)
    bodies["not an object"] = "[1, 2, 3]"
    bodies["not json"] = "{process:>30000000}"
    return bodies


def test_hostile_corpus(broker, start_daemon, make_items, wait_for):
    """Good messages once each; bad ones settled and named; output inert, bounded and secret-free."""
    # Given good messages with hostile opaque data, and a corpus of bad ones, sent raw
    good = make_items("good", 20)
    for body in good_bodies(good).values():
        broker.send_raw(body)
    bad = {kind: broker.send_raw(body) for kind, body in bad_bodies().items()}

    # When a daemon with two attempts per message consumes them
    daemon = start_daemon(broker.endpoint_url, "--sqs-queue-url", broker.queue_url, env=TWO_ATTEMPTS)
    emptied = wait_for(lambda: broker.depth() == 0 or not daemon.alive(), timeout=60, interval=0.2)
    alive = daemon.alive()
    exit_code = daemon.stop(timeout=30)
    output = daemon.output()

    # Then the daemon lived, emptied the queue and handled each good message exactly once
    assert alive and exit_code == 0, output[-5000:]
    assert emptied, output[-5000:]
    counts = start_daemon.counts()
    assert sorted(counts) == sorted(good) and set(counts.values()) == {1}, counts
    # and every bad message has a result line naming its id and a reason
    lines = output.splitlines()
    for kind, message_id in bad.items():
        named = [line for line in lines if f"message_id={message_id}" in line]
        assert any("reason: " in line for line in named), (kind, message_id)
    # and nothing was expanded, forged, lost to an encoding error, or secret
    assert FAKE_SECRET_KEY not in output
    assert "Logging error" not in output
    assert "\x1b" not in output and "\r" not in output and "\x07" not in output
    assert not any(line.startswith("FORGED") for line in lines)
    assert "f_globals" not in output or "{exc_info[2].tb_frame.f_globals}" in output
    assert len(output) < 4_000_000, len(output)
