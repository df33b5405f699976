"""
The accepted range of each numeric setting, and the one check that enforces it.

Why: a value out of its range used to be clamped without a word (`concurrency=-5` ran with 1),
to fail deep inside botocore or urllib3 (a negative connect timeout, at the first receive), or to
make a loop spin (a zero flush interval). Each component declares its keys' `Bounds` next to its
factory and checks them when the graph is built, so a bad value stops the process before any
message is received, with one `ConfigurationError` naming the key, its environment variable, the
value and what is accepted. The command line's argparse types (`arguments.py`) share `Bounds`.

`None` (unset) always passes: it means the key's default. Keys where 0 means "the default" too
(`receivers`, `visibility_timeout_seconds`, ...) accept 0 and say so in their `note`.

"""
import re
from dataclasses import dataclass
from math import inf, isfinite
from typing import Any

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.limits import SQS_MAX_VISIBILITY_TIMEOUT_SECONDS
from microcosm_pubsub.log_safety import printable


# handler threads of one process (sqs_consumer.concurrency and --concurrency)
MAX_CONCURRENCY = 1000
# a drain can last at most as long as SQS keeps a message invisible
MAX_SHUTDOWN_SECONDS = SQS_MAX_VISIBILITY_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Bounds:
    """Finite numbers from `low` (excluded when `above`) to `high`; whole numbers unless `whole` is False."""

    low: float
    high: float = inf
    whole: bool = True
    above: bool = False
    unit: str = ""
    # what a value means where that is not obvious (e.g. "0 or unset: asked of SQS")
    note: str = ""

    def admits(self, value: float) -> bool:
        if not isfinite(value) or value > self.high:
            return False
        return value > self.low if self.above else value >= self.low

    def __str__(self) -> str:
        kind = ("a whole number" if self.whole else "a number") + (f" of {self.unit}" if self.unit else "")
        if self.above:
            span = f" above {self.low:g}" + (f" and at most {self.high:g}" if isfinite(self.high) else "")
        else:
            span = f" from {self.low:g} to {self.high:g}" if isfinite(self.high) else f", at least {self.low:g}"
        return kind + span + (f" ({self.note})" if self.note else "")


def checked(name: str, value: Any, bounds: Bounds) -> Any:
    """
    `value` converted as microcosm's `typed(int)` / `typed(float)` would, when within `bounds`.

    `None` is returned as is (unset: the default). Anything else, a non-numeric string included,
    raises one `ConfigurationError` naming the setting (`name`), the value and the range.

    """
    if value is None:
        return None
    try:
        number = float(value)
        if bounds.admits(number) and not (bounds.whole and number != int(number)):
            return int(number) if bounds.whole else number
    except (TypeError, ValueError, OverflowError):
        pass
    raise ConfigurationError(f"{name} is {value!r}: use {bounds}")


def env_var_for(graph: Any, component: str, key: str) -> str:
    """The environment variable that sets `graph.config.<component>.<key>`."""
    return env_var(graph.metadata.name, component, key)


def env_var(graph_name: str, *path: str) -> str:
    """The environment variable microcosm's `load_from_environ` reads for a config path."""
    return "__".join(part.upper().replace("-", "_") for part in (graph_name, *path))


# how microcosm's `ValidationError` words a key that is unset, or set to a value of the wrong type
_MICROCOSM_REFUSAL = re.compile(r"Missing required configuration for: ([\w.-]+)(?:: (.*))?", re.DOTALL)


def refused_by_microcosm(graph_name: str, error: Exception) -> ConfigurationError:
    """
    microcosm's refusal of a config value, reworded to name the key, its variable and the fix.

    Why: microcosm converts typed keys (`typed(int)`, `typed(float)`, booleans) while it builds the
    config, before any of our checks, and calls `LIMIT=abc` "Missing required configuration",
    which sends the reader looking for a key that is in fact set.

    """
    found = _MICROCOSM_REFUSAL.fullmatch(str(error))
    if found is None:
        return ConfigurationError(str(error))
    path, value = found.group(1), found.group(2)
    key = f"{path} ({env_var(graph_name, *path.split('.'))})"
    if value is None:
        return ConfigurationError(f"{key} is required and not set: set it in the config or the environment")
    return ConfigurationError(f"{key} is '{printable(value, 80)}', which is not of the type this key takes: "
                              "fix it in the config or the environment")


def setting(graph: Any, component: str, key: str) -> str:
    """`component.key (ENV_VAR)`, for error messages."""
    return f"{component}.{key} ({env_var_for(graph, component, key)})"


def check_settings(graph: Any, component: str, table: dict[str, Bounds]) -> None:
    """Check each key of `graph.config.<component>` that `table` bounds (called by the component's factory)."""
    config = getattr(graph.config, component)
    for key, bounds in table.items():
        checked(setting(graph, component, key), config.get(key), bounds)
