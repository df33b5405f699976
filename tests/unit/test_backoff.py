"""
Backoff policies: how long a retried message stays invisible.

"""
from types import SimpleNamespace

import pytest

from microcosm_pubsub.backoff import (
    BackoffPolicy,
    ExponentialBackoffBaseJitterPolicy,
    ExponentialBackoffPolicy,
    NaiveBackoffPolicy,
)
from microcosm_pubsub.errors import PubSubError


MAX_TIMEOUT = 43200


def received(count):
    """A stand-in message received `count` times."""
    return SimpleNamespace(approximate_receive_count=count)


def test_naive_uses_the_explicit_timeout_even_zero():
    """An explicit timeout wins; `Nack(0)`'s 0 means 0, not the default."""
    policy = NaiveBackoffPolicy(7)

    assert policy.compute_backoff_timeout(received(1), 0) == 0
    assert policy.compute_backoff_timeout(received(1), 30) == 30


def test_naive_falls_back_to_its_default():
    """Without an explicit timeout the configured default applies."""
    assert NaiveBackoffPolicy(message_retry_visibility_timeout_seconds=7).compute_backoff_timeout(
        received(3), None,
    ) == 7


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_exponential_stays_between_one_and_two_to_the_count_minus_one(count):
    """The random timeout lies in 1..2^receive_count-1 seconds."""
    policy = ExponentialBackoffPolicy()

    timeouts = {policy.compute_backoff_timeout(received(count), None) for _ in range(200)}

    assert min(timeouts) >= 1
    assert max(timeouts) <= 2 ** count - 1


def test_exponential_first_attempt_is_one_second():
    """On the first receive the only possible timeout is 1 second."""
    assert ExponentialBackoffPolicy().compute_backoff_timeout(received(1), None) == 1


def test_exponential_uses_the_explicit_timeout():
    """An explicit timeout wins over the exponential one."""
    assert ExponentialBackoffPolicy().compute_backoff_timeout(received(9), 0) == 0


@pytest.mark.parametrize("policy", [ExponentialBackoffPolicy(), ExponentialBackoffBaseJitterPolicy()])
def test_exponential_policies_are_capped(policy):
    """However many receives, the timeout never exceeds the SQS maximum of 12 hours."""
    timeouts = [policy.compute_backoff_timeout(received(40), None) for _ in range(200)]

    assert max(timeouts) <= MAX_TIMEOUT
    assert min(timeouts) >= 1


def test_explicit_timeouts_are_capped():
    """An explicit timeout over 12 hours is capped."""
    assert NaiveBackoffPolicy(5).compute_backoff_timeout(received(1), 10 ** 6) == MAX_TIMEOUT


def test_base_jitter_is_at_least_the_receive_count():
    """The base-jitter policy waits at least as many seconds as the message was received."""
    policy = ExponentialBackoffBaseJitterPolicy()

    assert min(policy.compute_backoff_timeout(received(4), None) for _ in range(100)) >= 4


@pytest.mark.parametrize("name, policy_class", [
    ("NaiveBackoffPolicy", NaiveBackoffPolicy),
    ("ExponentialBackoffPolicy", ExponentialBackoffPolicy),
    ("ExponentialBackoffBaseJitterPolicy", ExponentialBackoffBaseJitterPolicy),
])
def test_choose_by_name(name, policy_class):
    """A policy is chosen by its class name."""
    assert BackoffPolicy.choose_backoff_policy(name) is policy_class


def test_unknown_name_names_the_config_key():
    """An unknown policy name raises an error naming `sqs_consumer.backoff_policy`."""
    with pytest.raises(PubSubError) as raised:
        BackoffPolicy.choose_backoff_policy("SlowBackoffPolicy")

    assert "sqs_consumer.backoff_policy" in str(raised.value)
    assert "SlowBackoffPolicy" in str(raised.value)


def test_consumer_uses_the_configured_policy(core_make_graph):
    """`sqs_consumer.backoff_policy` picks the consumer's policy; an unknown one fails naming the key."""
    graph = core_make_graph(sqs_consumer=dict(backoff_policy="ExponentialBackoffPolicy"))
    assert isinstance(graph.sqs_consumer.backoff_policy, ExponentialBackoffPolicy)

    with pytest.raises(PubSubError, match="sqs_consumer.backoff_policy"):
        core_make_graph(sqs_consumer=dict(backoff_policy="Nope")).sqs_consumer
