"""
argparse types shared by the daemon and `pubsub consume` (standard library only).

"""
from argparse import ArgumentTypeError
from typing import Callable


def at_least(convert: Callable[[str], float], minimum: float, what: str) -> Callable[[str], float]:
    """An argparse type: `convert(text)`, refused with a clear message below `minimum`."""
    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not {what}") from None
        if value < minimum:
            raise ArgumentTypeError(f"{value:g} is not allowed: use {minimum:g} or more")
        return value
    return parse


positive_int = at_least(int, 1, "a whole number")
non_negative_seconds = at_least(float, 0, "a number of seconds")
