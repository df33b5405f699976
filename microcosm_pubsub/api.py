"""
The names most services need, in one import: `from microcosm_pubsub.api import ...`.

Every name also keeps its documented home (`microcosm_pubsub.codecs`, `.daemon`, `.errors`, ...),
which is what code written for the earlier library imports; this module adds nothing of its own.

"""
from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import changed, created, deleted
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles, schema
from microcosm_pubsub.errors import (
    Drop,
    HaltConsumer,
    IgnoreMessage,
    Nack,
    PubSubError,
    RemoteError,
    ServiceTimeout,
    SkipMessage,
)
from microcosm_pubsub.message import SQSMessage
from microcosm_pubsub.service import PubSubService


__all__ = [
    "ConsumerDaemon",
    "Drop",
    "HaltConsumer",
    "IgnoreMessage",
    "Nack",
    "PubSubError",
    "PubSubMessageSchema",
    "PubSubService",
    "RemoteError",
    "SQSMessage",
    "ServiceTimeout",
    "SkipMessage",
    "changed",
    "created",
    "deleted",
    "handles",
    "schema",
]
