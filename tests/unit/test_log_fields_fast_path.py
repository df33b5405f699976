"""
The fast paths of `log_safety` (cached key names, clean values kept as they are) give exactly what
the general path gives, for clean and hostile values alike.

"""
from enum import IntEnum

import pytest

from microcosm_pubsub.log_safety import _capped_log_fields, log_fields, printable, render


class Level(IntEnum):
    HIGH = 3


VALUES = [
    "plain", "", "x" * 600, "line\nforged", "\x1b[31mred", "\ud800", "{exc_info[2]}", "%(process)s",
    0, -1, 10 ** 18, 10 ** 19, -(10 ** 19), True, False, None, 1.5, float("nan"), Level.HIGH,
    {"nested": "dict"}, ["a", "list"], b"bytes", object,
]
KEYS = ["message_id", "msg", "args", "x-request-ttl", "k\ney", 7, ("tuple", "key"), "k" * 200]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_value_is_made_safe_as_the_general_path_does(value):
    """Every kind of value, under ordinary and reserved keys, comes out as the general path makes it."""
    fields = {key: value for key in KEYS}

    assert log_fields(fields) == _capped_log_fields(fields)
    assert log_fields(fields) == _capped_log_fields(fields)  # again, with the key names cached


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_render_keeps_clean_text_and_escapes_the_rest(value):
    """A rendered value is its printable, formatter-inert form, whatever it is."""
    expected = printable(value).replace("{", "{{").replace("}", "}}").replace("%", "%%")

    assert render("<{value}>", value=value) == "<" + expected + ">"
