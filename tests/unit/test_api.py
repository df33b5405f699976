"""`microcosm_pubsub.api` gathers the common names; each is the very object of its documented home."""
import importlib

import pytest

from microcosm_pubsub import api


HOMES = {
    "ConsumerDaemon": "microcosm_pubsub.daemon",
    "Drop": "microcosm_pubsub.errors",
    "HaltConsumer": "microcosm_pubsub.errors",
    "IgnoreMessage": "microcosm_pubsub.errors",
    "Nack": "microcosm_pubsub.errors",
    "PubSubError": "microcosm_pubsub.errors",
    "PubSubMessageSchema": "microcosm_pubsub.codecs",
    "PubSubService": "microcosm_pubsub.service",
    "RemoteError": "microcosm_pubsub.errors",
    "SQSMessage": "microcosm_pubsub.message",
    "ServiceTimeout": "microcosm_pubsub.errors",
    "SkipMessage": "microcosm_pubsub.errors",
    "changed": "microcosm_pubsub.conventions",
    "created": "microcosm_pubsub.conventions",
    "deleted": "microcosm_pubsub.conventions",
    "handles": "microcosm_pubsub.decorators",
    "schema": "microcosm_pubsub.decorators",
}


def test_all_lists_exactly_the_documented_names():
    assert sorted(api.__all__) == sorted(HOMES)


@pytest.mark.parametrize("name, home", sorted(HOMES.items()))
def test_each_name_is_the_object_of_its_home_module(name, home):
    assert getattr(api, name) is getattr(importlib.import_module(home), name)
