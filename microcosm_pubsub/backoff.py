"""
How long a failed message stays invisible before SQS hands it out again.

A policy is chosen by class name in `sqs_consumer.backoff_policy`. Every timeout is capped at the
SQS maximum of 12 hours.

"""
from abc import ABCMeta, abstractmethod
from random import randint
from typing import Any, Optional

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.limits import SQS_MAX_VISIBILITY_TIMEOUT_SECONDS


MAX_BACKOFF_TIMEOUT = SQS_MAX_VISIBILITY_TIMEOUT_SECONDS


def _capped(seconds: Optional[float]) -> Optional[int]:
    if seconds is None:
        return None
    return max(0, min(int(seconds), MAX_BACKOFF_TIMEOUT))


class BackoffPolicy(metaclass=ABCMeta):
    """Computes the visibility timeout for a message that will be retried."""

    def __init__(self, **kwargs: Any):
        pass

    @abstractmethod
    def compute_backoff_timeout(self, message: Any, message_timeout: Optional[float]) -> Optional[int]:
        """The timeout: `message_timeout` when the handler chose one, else the policy's own."""

    @classmethod
    def choose_backoff_policy(cls, name: str) -> type:
        policies = {policy.__name__: policy for policy in _all_subclasses(cls)}
        try:
            return policies[name]
        except KeyError:
            raise ConfigurationError(
                f"unknown backoff policy {name!r} in sqs_consumer.backoff_policy: choose one of "
                f"{', '.join(sorted(policies))}"
            ) from None


class NaiveBackoffPolicy(BackoffPolicy):
    """A fixed timeout: the handler's own (0 included), else `message_retry_visibility_timeout_seconds`."""

    def __init__(self, message_retry_visibility_timeout_seconds: Optional[int] = None, **kwargs: Any):
        self.message_retry_visibility_timeout_seconds = message_retry_visibility_timeout_seconds

    def compute_backoff_timeout(self, message: Any, message_timeout: Optional[float]) -> Optional[int]:
        if message_timeout is not None:
            return _capped(message_timeout)
        return _capped(self.message_retry_visibility_timeout_seconds)


class ExponentialBackoffPolicy(BackoffPolicy):
    """A random timeout between 1 and 2^receive_count - 1 seconds."""

    def compute_backoff_timeout(self, message: Any, message_timeout: Optional[float]) -> Optional[int]:
        if message_timeout is not None:
            return _capped(message_timeout)
        attempts = min(_receive_count(message), 16)
        return _capped(randint(1, max(1, 2 ** attempts - 1)))


class ExponentialBackoffBaseJitterPolicy(BackoffPolicy):
    """At least receive_count seconds, plus jitter growing exponentially with each attempt."""

    def compute_backoff_timeout(self, message: Any, message_timeout: Optional[float]) -> Optional[int]:
        if message_timeout is not None:
            return _capped(message_timeout)
        count = getattr(message, "approximate_receive_count", None)
        base = 1 if count is None else max(0, int(count))
        scaling = randint(base, 2 ** min(base, 16))
        return _capped(base + randint(0, scaling // 2))


def _receive_count(message: Any) -> int:
    return max(1, int(getattr(message, "approximate_receive_count", None) or 1))


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found.append(subclass)
        found.extend(_all_subclasses(subclass))
    return found
