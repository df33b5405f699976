"""
Log lines that carry message content, safe against what an attacker can put in a message.

microcosm-logging's console formatter runs `%` and then `str.format` over a record's finished
message, with every attribute of the record as arguments. Message content placed in a log line
is therefore a format string in the sender's hands: `{exc_info[2].tb_frame...}` reads the
daemon's locals, `{process:>30000000}` writes 30 MB, a stray `{` or a lone surrogate loses the
line. `render(template, **values)` builds a line from a fixed template with each value made
printable (control characters, ANSI escapes and surrogates escaped, so one message cannot forge
lines; length capped) and its `{`, `}` and `%` escaped for the formatter's second pass, so the
console shows the content as sent and nothing in it is ever interpreted. `log_fields` makes the
same content safe as structured `extra` (what the JSON formatter writes).
"""
from typing import Any, Mapping

# attributes of logging.LogRecord: an `extra` key with one of these names would make logging raise
RESERVED_LOG_KEYS = frozenset((
    "args", "asctime", "created", "exc_info", "exc_text", "filename", "funcName", "levelname",
    "levelno", "lineno", "message", "module", "msecs", "msg", "name", "pathname", "process",
    "processName", "relativeCreated", "stack_info", "taskName", "thread", "threadName",
))

MAX_VALUE_CHARS = 512
MAX_FIELDS = 64

_SCALARS = (bool, int, float, type(None))


def printable(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """`value` as one line of printable text, at most about `limit` characters."""
    text = value if isinstance(value, str) else _as_text(value)
    if len(text) > limit:
        text = f"{text[:limit]}...[{len(text) - limit} more chars]"
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def render(template: str, **values: Any) -> str:
    """`template` with each `{name}` replaced by its value, printable and inert to formatters."""
    return template.format(**{name: _inert(printable(value)) for name, value in values.items()})


def log_value(value: Any) -> Any:
    """A value fit for a log record's `extra`: scalars as they are, anything else printable text."""
    if isinstance(value, _SCALARS) and not (isinstance(value, int) and abs(value) > 10 ** 18):
        return value
    return printable(value)


def log_fields(fields: Mapping[Any, Any]) -> dict[str, Any]:
    """`extra` for a log call: printable keys and values, reserved names renamed, count capped."""
    safe: dict[str, Any] = {}
    for index, (key, value) in enumerate(fields.items()):
        if index >= MAX_FIELDS:
            safe["extra_fields_dropped"] = len(fields) - MAX_FIELDS
            break
        name = key if isinstance(key, str) and key.isprintable() and len(key) <= 128 else printable(key, 128)
        safe[f"extra_{name}" if name in RESERVED_LOG_KEYS else name] = log_value(value)
    return safe


def _as_text(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception as error:  # a hostile __str__, a too-deep structure, a huge int
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[: MAX_VALUE_CHARS * 4]


def _inert(text: str) -> str:
    if "{" in text or "}" in text or "%" in text:
        return text.replace("{", "{{").replace("}", "}}").replace("%", "%%")
    return text


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
