"""
Configuration cannot make microcosm-logging import code.

microcosm-logging hands its config to `logging.config.dictConfig`, which imports whatever a
handler's `class`, a formatter's `()` or an `ext://` value names. So a `--config` file or an
environment variable (`<NAME>__LOGGING__STREAM_HANDLER__CLASS_=anything.importable`) could make a
consumer import and run any module, although `pubsub consume` promises to import only the module
its `--callback` names. Before logging is configured, every such key must hold the value
microcosm-logging ships (or its documented alternative); any other value, and any other key that
names a class, factory or `ext://` object, stops the start with a `ConfigurationError` (exit 2).
Code that wants another handler configures logging itself, after the graph is built.

"""
from typing import Any, Iterator

from microcosm_pubsub.errors import ConfigurationError


# the keys of microcosm-logging's defaults that dictConfig imports, and the values they may hold
ALLOWED_IMPORTS = {
    ("stream_handler", "class_"): ("logging.StreamHandler",),
    ("stream_handler", "stream"): ("ext://sys.stdout", "ext://sys.stderr"),
    ("json_formatter", "formatter"): ("pythonjsonlogger.jsonlogger.JsonFormatter",
                                      "pythonjsonlogger.json.JsonFormatter"),
    ("https_handler", "class_"): ("loggly.handlers.HTTPSHandler",),
}
# keys that name something to import wherever they appear in dictConfig-shaped settings
IMPORTING_KEYS = ("class", "class_", "()", "factory")
IMPORTING_PREFIXES = ("ext://", "cfg://")


def check_logging_config(config: Any, name: str) -> None:
    """Raise `ConfigurationError` if the graph `name`'s `logging` config would import code."""
    for path, value in _leaves(config.get("logging") or {}, ()):
        allowed = ALLOWED_IMPORTS.get(path)
        if allowed is None and not _imports(path, value):
            continue
        if allowed is not None and value in allowed:
            continue
        key = ".".join(("logging", *path))
        env = "__".join((name, "logging", *path)).upper().replace("-", "_")
        hint = f"use {' or '.join(allowed)}" if allowed else "remove it"
        raise ConfigurationError(
            f"{key} = {value!r} (from --config or {env}) would make logging import code, and configuration "
            f"may not name code to import (only --callback does): {hint}, or configure logging in your own code"
        )


def _imports(path: tuple, value: Any) -> bool:
    named_importing = bool(path) and path[-1] in IMPORTING_KEYS
    return named_importing or (isinstance(value, str) and value.startswith(IMPORTING_PREFIXES))


def _leaves(node: Any, path: tuple) -> Iterator[tuple[tuple, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _leaves(value, path)
    else:
        yield path, node
