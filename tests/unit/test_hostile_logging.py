"""
Message content in log lines is data: no formatter expands it, no line is forged or lost.

The logs go through microcosm-logging's console formatter (which runs `%` and `str.format` over
every finished message) into a strict UTF-8 stream, as a daemon's stderr would.

"""
import logging
from io import BytesIO, TextIOWrapper
from json import dumps

import pytest
from microcosm_logging.formatters import ExtraConsoleFormatter

from microcosm_pubsub.conventions import created
from microcosm_pubsub.errors import SkipMessage, TTLExpired
from microcosm_pubsub.log_safety import printable, render


JOB = created("core_hostile_job")
URI = "http://example.com/jobs/1"
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
HOSTILE = [
    "{exc_info[2].tb_next.tb_frame.f_locals[secret]}",
    "{process:>30000000}",
    "%(process)d %s %%",
    "{",
    "}",
    "{pathname}",
    "lone \ud800 surrogate",
    "line one\nFORGED - root - [ERROR] - owned\r\x1b[31mred\x07",
    "x" * 200_000,
]


@pytest.fixture
def console():
    """The root logger writing through microcosm-logging's console formatter to a strict UTF-8 stream."""
    raw = BytesIO()
    stream = TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ExtraConsoleFormatter("{asctime} - {name} - [{levelname}] - {message}"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: raw.getvalue().decode("utf-8")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


@pytest.fixture
def dispatch(core_graph, core_broker):
    """Sends one body, receives it and handles it with `handler`; returns the result."""
    def run(handler, body):
        core_broker.send(body)
        [message] = core_graph.sqs_consumer.consume()
        return core_graph.sqs_message_dispatcher.handle_message(message, {JOB: handler})
    return run


def raising(error):
    def handler(content):
        secret = SECRET  # noqa: F841 - what the audit's format string read from the frame
        raise error
    return handler


def assert_inert(text, hostile):
    """Nothing expanded, no raw control byte, no forged line, bounded size."""
    assert SECRET not in text
    assert "\r" not in text and "\x1b" not in text and "\x07" not in text
    assert not any(line.startswith("FORGED") for line in text.splitlines())
    assert len(text) < 20_000, f"{len(text)} characters logged"
    assert printable(hostile)[:40].replace("{{", "{") in text.replace("{{", "{").replace("}}", "}")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_exception_text_is_logged_as_sent(dispatch, console, capsys, hostile):
    """A handler's exception text reaches the log escaped, never as a format string."""
    result = dispatch(raising(ValueError(hostile)), dumps(dict(mediaType=JOB, uri=URI)))

    text = console()
    assert result.result.name == "FAILED"
    assert "was : FAILED (message_id=" in text and "Traceback" in text
    assert_inert(text, hostile)
    assert "Logging error" not in capsys.readouterr().err


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_reason_and_opaque_data_are_data(dispatch, console, capsys, hostile):
    """Outcome reasons and opaque keys and values never reach a formatter as format strings."""
    body = dumps(dict(mediaType=JOB, uri=URI, opaqueData={hostile[:64]: hostile, "x-request-id": hostile}))

    result = dispatch(raising(SkipMessage(hostile)), body)

    text = console()
    assert result.result.name == "SKIPPED"
    assert "was : SKIPPED (message_id=" in text
    assert_inert(text, hostile)
    assert "Logging error" not in capsys.readouterr().err


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_media_type_is_logged_escaped(dispatch, console, capsys, hostile):
    """An unknown, hostile media type is IGNORED with a line that shows it escaped."""
    result = dispatch(raising(AssertionError("never called")), dumps(dict(mediaType=hostile)))

    text = console()
    assert result.result.name == "IGNORED"
    assert_inert(text, hostile)
    assert "Logging error" not in capsys.readouterr().err


def test_expired_line_names_message_id_and_reason(dispatch, console):
    """EXPIRED says which message and why, like every other result."""
    result = dispatch(raising(TTLExpired()), dumps(dict(mediaType=JOB, uri=URI)))

    [line] = [line for line in console().splitlines() if "EXPIRED" in line]
    assert result.result.name == "EXPIRED"
    assert "message_id=" in line and "message_id=None" not in line
    assert "reason: message hop count ran out" in line


def formatted(message):
    """What microcosm-logging's console formatter prints for `message`."""
    record = logging.LogRecord("n", logging.INFO, "p", 1, message, None, None)
    return ExtraConsoleFormatter("{message}").format(record)


def test_render_is_inert_for_the_console_formatter():
    """`render` output shows the values as sent once the formatter's two passes have run.

    With a `%` in the content the `%` pass is the one that applies, so braces stay doubled:
    still inert, and the only case where the line differs from the content.
    """
    assert formatted(render("got {value}", value="{process} {0} {")) == "got {process} {0} {"
    assert formatted(render("got {value}", value="%(process)d %s 5% a%20b")) == "got %(process)d %s 5% a%20b"
    assert formatted(render("got {value}", value="%(process)d {x}")) == "got %(process)d {{x}}"
