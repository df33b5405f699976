"""
Callbacks and services that the functional tests run in subprocesses (`--callback svc_callbacks:...`).

Each writes one JSON line per event to the file named by `SVC_OUT`, so a test reads back what
happened in which process.

"""
import json
import os
from pathlib import Path
from time import monotonic, sleep

from microcosm_pubsub.errors import Drop, HaltConsumer, Nack


def write_event(event, **fields):
    """Append one event line to $SVC_OUT (one write call, so concurrent processes do not interleave)."""
    line = json.dumps(dict(event=event, pid=os.getpid(), **fields), default=str) + "\n"
    with open(os.environ["SVC_OUT"], "a") as out:
        out.write(line)


def describe(message):
    return dict(media_type=message.media_type, content=message.content, message_id=message.message_id,
                opaque_data=message.opaque_data, receive_count=message.approximate_receive_count)


def record(message):
    """A fedora-style function callback: record the message."""
    write_event("handled", **describe(message))


class GraphRecorder:
    """A class callback taking the graph: built once, called per message."""

    built = 0

    def __init__(self, graph):
        GraphRecorder.built += 1
        self.graph_name = graph.metadata.name

    def __call__(self, message):
        write_event("handled", instance=id(self), built=GraphRecorder.built, graph=self.graph_name, **describe(message))


class PlainRecorder:
    """A class callback with a no-argument constructor."""

    def __init__(self):
        self.calls = 0

    def __call__(self, message):
        self.calls += 1
        write_event("handled", instance=id(self), calls=self.calls, **describe(message))


def outcomes(message):
    """Raise the outcome named by the message's `action` field."""
    action = message.content.get("action")
    if action == "drop":
        write_event("dropping", **describe(message))
        raise Drop("not for us")
    if action == "nack" and message.approximate_receive_count < 2:
        write_event("nacking", **describe(message))
        raise Nack(0, reason="try again")
    if action == "halt":
        write_event("halting", **describe(message))
        raise HaltConsumer(exit_code=3, reason="told to halt")
    write_event("handled", **describe(message))


class ConfigReader:
    """Records the `[consumer_config]` section it finds in the graph."""

    def __init__(self, graph):
        self.consumer_config = dict(graph.config.consumer_config)

    def __call__(self, message):
        write_event("handled", consumer_config=self.consumer_config, **describe(message))


def slow(message):
    """Take a little while per message (so several worker processes share the queue)."""
    write_event("started", **describe(message))
    sleep(float(message.content.get("seconds", 0.2)))
    write_event("finished", **describe(message))


def blocking(message):
    """Block until the file named by the message's `flag` exists (at most 60 s)."""
    write_event("started", **describe(message))
    deadline = monotonic() + 60
    while not Path(message.content["flag"]).exists() and monotonic() < deadline:
        sleep(0.05)
    write_event("finished", **describe(message))
