"""
Consumers the infra tests plan for: a daemon with an exact and a wildcard handler, a service,
and a callback. Handlers append `media_type<TAB>id` to $INFRA_RECORD_FILE when it is set.

"""
import os

from marshmallow import fields
from microcosm.api import binding

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles
from microcosm_pubsub.service import PubSubService


ORDER_PLACED = "application/vnd.infra-test.order.placed"
AUDIT_WILDCARD = "application/vnd.infra-test.audit.*"
AUDIT_LOGIN = "application/vnd.infra-test.audit.login"
UNHANDLED = "application/vnd.infra-test.order.refunded"


class SampleSchema(PubSubMessageSchema):
    """A message with an id."""

    id = fields.String(required=True)


class OrderPlacedSchema(SampleSchema):
    MEDIA_TYPE = ORDER_PLACED


class AuditSchema(SampleSchema):
    MEDIA_TYPE = AUDIT_WILDCARD


class RefundSchema(SampleSchema):
    """Published to the same topics, handled by nobody."""

    MEDIA_TYPE = UNHANDLED


def record(media_type: str, content: dict) -> bool:
    path = os.environ.get("INFRA_RECORD_FILE")
    if path:
        with open(path, "a") as record_file:
            record_file.write(f"{media_type}\t{content['id']}\n")
    return True


@binding("order_handler")
@handles(OrderPlacedSchema)
class OrderHandler:
    def __init__(self, graph):
        self.graph = graph

    def __call__(self, content):
        return record(ORDER_PLACED, content)


@binding("audit_handler")
@handles(AuditSchema)
class AuditHandler:
    def __init__(self, graph):
        self.graph = graph

    def __call__(self, content):
        return record(content.get("media_type") or AUDIT_WILDCARD, content)


class SampleDaemon(ConsumerDaemon):
    """Handles order.placed exactly and audit.* by wildcard."""

    name = "infra-sample"
    components = ConsumerDaemon.components + ["order_handler", "audit_handler"]


class SampleService(PubSubService):
    name = "inventory"

    def on_count(self, message, sku):
        return 1


def sample_callback(message):
    """Takes every message of its queue."""
