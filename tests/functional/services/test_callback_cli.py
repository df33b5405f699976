"""`pubsub consume --callback`: function and class callbacks, outcome exceptions, config and bad paths."""
import signal

from svc_support import free_port, http_get, svc_poll


CREATED_ORDER = "application/vnd.globality.pubsub._.created.order"


def test_function_callback_receives_every_message(svc_broker, svc_consume):
    """A function callback gets every message: schema'd, unknown media type, and no media type."""
    queue_url = svc_broker.queue()
    svc_broker.send(queue_url, {"mediaType": CREATED_ORDER, "uri": "http://orders/1",
                                "opaqueData": {"X-Request-Id": "r1"}})
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.unknown", "n": 2})
    svc_broker.send(queue_url, {"n": 3})
    child = svc_consume("--callback", "svc_callbacks:record", "--sqs-queue-url", queue_url)

    handled = child.wait_events("handled", 3)
    by_type = {event["media_type"]: event for event in handled}
    assert by_type[CREATED_ORDER]["content"]["uri"] == "http://orders/1"
    assert by_type[CREATED_ORDER]["opaque_data"]["X-Request-Id"] == "r1"
    assert by_type["application/vnd.example.unknown"]["content"]["n"] == 2
    assert by_type["application/json"]["content"]["n"] == 3
    assert svc_poll(lambda: svc_broker.depth(queue_url) == 0, 10)
    child.signal(signal.SIGTERM)
    assert child.wait() == 0


def test_class_callbacks_are_built_once(svc_broker, svc_consume):
    """A class taking the graph and a class taking nothing are each built once, then called per message."""
    for callback in ("svc_callbacks:GraphRecorder", "svc_callbacks:PlainRecorder"):
        queue_url = svc_broker.queue()
        for index in range(3):
            svc_broker.send(queue_url, {"mediaType": "application/vnd.example.item", "index": index})
        child = svc_consume("--callback", callback, "--sqs-queue-url", queue_url)

        handled = child.wait_events("handled", 3)
        assert len({event["instance"] for event in handled}) == 1
        if callback.endswith("GraphRecorder"):
            assert {event["built"] for event in handled} == {1}
            assert handled[0]["graph"] == "pubsub-consumer"
        else:
            assert sorted(event["calls"] for event in handled) == [1, 2, 3]
        child.signal(signal.SIGTERM)
        assert child.wait() == 0


def test_drop_and_nack_outcomes(svc_broker, svc_consume):
    """`Drop` deletes the message at once; `Nack(0)` returns it for a second delivery; /stats counts both."""
    queue_url = svc_broker.queue()
    port = free_port()
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "action": "drop"})
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "action": "nack"})
    child = svc_consume("--callback", "svc_callbacks:outcomes", "--sqs-queue-url", queue_url,
                        "--health-port", str(port))

    handled = child.wait_events("handled", 1)
    assert handled[0]["content"]["action"] == "nack" and handled[0]["receive_count"] == 2
    assert len(child.events("dropping")) == 1 and len(child.events("nacking")) == 1
    assert svc_poll(lambda: svc_broker.depth(queue_url) == 0, 10)
    stats = svc_poll(lambda: (lambda answer: answer[0] == 200 and answer[1]["dropped"] and answer[1])(
        http_get(f"http://127.0.0.1:{port}/stats")), 10)
    assert stats["dropped"] == 1 and stats["retried"] == 1 and stats["succeeded"] == 1
    assert stats["received"] == 3
    child.signal(signal.SIGTERM)
    assert child.wait() == 0


def test_halt_consumer_exits_with_its_code(svc_broker, svc_consume):
    """`HaltConsumer(exit_code=3)` stops the consumer, which deletes the message and exits 3."""
    queue_url = svc_broker.queue()
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "action": "halt"})
    child = svc_consume("--callback", "svc_callbacks:outcomes", "--sqs-queue-url", queue_url)

    assert child.wait() == 3, child.log()
    assert len(child.events("halting")) == 1
    assert svc_broker.depth(queue_url) == 0


def test_halt_under_processes_stops_the_manager_with_its_code(svc_broker, svc_consume):
    """With `--processes 2`, a worker's `HaltConsumer(exit_code=3)` stops all workers and the manager exits 3."""
    queue_url = svc_broker.queue()
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "action": "halt"})
    child = svc_consume("--callback", "svc_callbacks:outcomes", "--sqs-queue-url", queue_url, "--processes", "2")

    assert child.wait() == 3, child.log()
    assert len(child.events("halting")) == 1
    assert svc_broker.depth(queue_url) == 0


def test_consumer_config_from_toml_reaches_the_callback(svc_broker, svc_consume, tmp_path):
    """A TOML `--config` names the callback and queue; its `[consumer_config]` reaches the callback."""
    queue_url = svc_broker.queue()
    svc_broker.send(queue_url, {"mediaType": "application/vnd.example.item", "index": 1})
    config = tmp_path / "orders.toml"
    config.write_text(
        'callback = "svc_callbacks:ConfigReader"\n'
        "[sqs_consumer]\n"
        f'sqs_queue_url = "{queue_url}"\n'
        "[consumer_config]\n"
        'greeting = "hello"\n'
        "batch = 7\n"
    )
    child = svc_consume("--config", str(config))

    handled = child.wait_events("handled", 1)
    assert handled[0]["consumer_config"] == {"greeting": "hello", "batch": 7}
    child.signal(signal.SIGTERM)
    assert child.wait() == 0


def test_bad_callback_exits_2_naming_the_module(svc_consume):
    """A `--callback` that cannot be imported or found exits 2 with a message naming the module."""
    missing_module = svc_consume("--callback", "no_such_svc_module:handle", "--sqs-queue-url", "unused")
    missing_object = svc_consume("--callback", "svc_callbacks:no_such_callback", "--sqs-queue-url", "unused")
    malformed = svc_consume("--callback", "svc_callbacks", "--sqs-queue-url", "unused")

    assert missing_module.wait() == 2
    assert "no_such_svc_module" in missing_module.log()
    assert missing_object.wait() == 2
    assert "svc_callbacks" in missing_object.log() and "no_such_callback" in missing_object.log()
    assert malformed.wait() == 2
    assert "package.module:object" in malformed.log()
