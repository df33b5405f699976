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
from types import TracebackType
from typing import Any, Mapping, Optional

ExcInfo = tuple[Any, Optional[BaseException], Optional[TracebackType]]

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
    rendered = {}
    for name, value in values.items():
        if type(value) is not str or len(value) > MAX_VALUE_CHARS or not value.isprintable():
            value = printable(value)
        rendered[name] = _inert(value)
    return template.format(**rendered)


def log_value(value: Any) -> Any:
    """A value fit for a log record's `extra`: scalars as they are, anything else printable text."""
    if isinstance(value, _SCALARS) and not (isinstance(value, int) and abs(value) > 10 ** 18):
        return value
    return printable(value)


def log_fields(fields: Mapping[Any, Any]) -> dict[str, Any]:
    """
    `extra` for a log call: printable keys and values, reserved names renamed, count capped.

    Runs once per handled message, so the common case is fast: a key seen before takes its safe
    name from a cache, and a short printable string or a plain scalar is kept as it is, exactly
    as the general path would keep it.

    """
    if len(fields) > MAX_FIELDS:
        return _capped_log_fields(fields)
    safe: dict[str, Any] = {}
    names = _safe_names
    for key, value in fields.items():
        name = names.get(key) if type(key) is str else None
        if name is None:
            name = _safe_name(key)
        kind = type(value)
        if kind is str and len(value) <= MAX_VALUE_CHARS and value.isprintable():
            safe[name] = value
        elif kind is bool or kind is float or value is None or (kind is int and -10 ** 18 <= value <= 10 ** 18):
            safe[name] = value
        else:
            safe[name] = log_value(value)
    return safe


_safe_names: dict[str, str] = {}
MAX_CACHED_NAMES = 4096


def _safe_name(key: Any) -> str:
    name = key if isinstance(key, str) and key.isprintable() and len(key) <= 128 else printable(key, 128)
    name = f"extra_{name}" if name in RESERVED_LOG_KEYS else name
    if type(key) is str and len(_safe_names) < MAX_CACHED_NAMES:
        _safe_names[key] = name
    return name


def _capped_log_fields(fields: Mapping[Any, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for index, (key, value) in enumerate(fields.items()):
        if index >= MAX_FIELDS:
            safe["extra_fields_dropped"] = len(fields) - MAX_FIELDS
            break
        name = key if isinstance(key, str) and key.isprintable() and len(key) <= 128 else printable(key, 128)
        safe[f"extra_{name}" if name in RESERVED_LOG_KEYS else name] = log_value(value)
    return safe


def safe_log_extra(extra: Mapping[str, Any]) -> dict[str, Any]:
    """`extra` for a log call, with keys that would collide with LogRecord attributes renamed."""
    return {(f"extra_{key}" if key in RESERVED_LOG_KEYS else key): value for key, value in extra.items()}


def printable_exc_info(exc_info: Optional[ExcInfo]) -> Optional[ExcInfo]:
    """
    `exc_info` whose traceback text cannot forge lines: the exception chain's texts made printable.

    Formatters print `str(exception)` raw under the traceback, and a handler's exception text
    often echoes message content. When any text in the chain is not printable or is too long,
    the exceptions are replaced by stand-ins of the same module and name whose text is escaped
    and capped; the traceback frames are the original ones.
    """
    if not exc_info or exc_info[1] is None or _chain_is_printable(exc_info[1]):
        return exc_info
    stand_in = _printable_exception(exc_info[1], depth=0)
    return (type(stand_in), stand_in, exc_info[2])


def _chain_is_printable(error: BaseException) -> bool:
    for _ in range(8):
        try:
            text = str(error)
        except Exception:
            return False
        if len(text) > MAX_VALUE_CHARS or not text.isprintable() or getattr(error, "__notes__", None):
            return False
        error = error.__cause__ or error.__context__
        if error is None:
            return True
    return False


def _printable_exception(error: BaseException, depth: int) -> BaseException:
    cls = type(error)
    text = printable(_as_text(error))
    stand_in_type = type(cls.__name__, (Exception,), {
        "__module__": cls.__module__, "__qualname__": cls.__qualname__, "__str__": lambda self: text,
    })
    stand_in = stand_in_type()
    stand_in.__traceback__ = error.__traceback__
    stand_in.__suppress_context__ = error.__suppress_context__
    if depth < 8:
        if error.__cause__ is not None:
            stand_in.__cause__ = _printable_exception(error.__cause__, depth + 1)
        if error.__context__ is not None:
            stand_in.__context__ = _printable_exception(error.__context__, depth + 1)
    return stand_in


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
