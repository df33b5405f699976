"""
`@schema` and `@handles`: registration into every registry resolved afterwards.

"""
from json import dumps

from marshmallow import fields
from microcosm.api import create_object_graph

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.decorators import handles, schema
from microcosm_pubsub.result import MessageHandlingResultType


GADGET = "application/vnd.core.decorators.gadget"
GIZMO = "application/vnd.core.decorators.gizmo"
BY_STRING = "application/vnd.core.decorators.by-string"
FAMILY = "application/vnd.core.decorators-family.*"


class GadgetSchema(PubSubMessageSchema):
    """Registered with `@schema` below, keeping a reference to the undecorated class."""

    MEDIA_TYPE = GADGET

    size = fields.Integer(required=True)


DECORATED_GADGET = schema(GadgetSchema)


@schema
class GizmoSchema(PubSubMessageSchema):
    """A second schema, handled by the stacked handler below."""

    MEDIA_TYPE = GIZMO

    colour = fields.String()


def plain_handler(content):
    """The handler before decoration."""
    return True


DECORATED_HANDLER = handles(GadgetSchema)(plain_handler)


@handles(GadgetSchema)
@handles(GizmoSchema)
def stacked_handler(content):
    """Handles two media types."""
    return True


@handles(BY_STRING)
def string_handler(content):
    """Handles a media type given as a string."""
    return True


FAMILY_SEEN = []


@handles(FAMILY)
def family_handler(content):
    """Handles every `application/vnd.core.decorators-family.<x>` message."""
    FAMILY_SEEN.append(content)
    return True


def test_decorators_return_their_target_unchanged():
    """`@schema` and `@handles` hand back the very class or function they decorate."""
    assert DECORATED_GADGET is GadgetSchema
    assert DECORATED_HANDLER is plain_handler


def test_schema_registers_into_every_new_graph():
    """A decorated schema is found in the registry of any graph resolved afterwards."""
    for _ in range(2):
        registry = create_object_graph("test").pubsub_message_schema_registry
        assert isinstance(registry.find(GADGET).schema, GadgetSchema)
        assert isinstance(registry.find(GIZMO).schema, GizmoSchema)


def test_handles_is_stackable():
    """A handler decorated twice is bound for both media types."""
    graph = create_object_graph("test")
    graph.assign("core_stacked_handler", stacked_handler)

    bound = graph.sqs_message_handler_registry.compute_bound_handlers(["core_stacked_handler"])

    assert bound == {GADGET: stacked_handler, GIZMO: stacked_handler}


def test_handles_accepts_a_media_type_string():
    """`@handles("type")` binds the handler and makes the type known to the schema registry."""
    graph = create_object_graph("test")
    graph.assign("core_string_handler", string_handler)

    bound = graph.sqs_message_handler_registry.compute_bound_handlers(["core_string_handler"])

    assert bound == {BY_STRING: string_handler}
    assert BY_STRING in graph.pubsub_message_schema_registry.keys()


def test_wildcard_handles_dispatches(core_graph, core_broker):
    """A message of `a.b.c` reaches the handler declared with `@handles("a.b.*")`."""
    core_graph.assign("core_family_handler", family_handler)
    bound = core_graph.sqs_message_handler_registry.compute_bound_handlers(["core_family_handler"])
    member = "application/vnd.core.decorators-family.member"
    core_broker.send(dumps(dict(mediaType=member, uri="http://example.com/1")))
    FAMILY_SEEN.clear()

    results = core_graph.sqs_message_dispatcher.handle_batch(bound)

    assert [result.result for result in results] == [MessageHandlingResultType.SUCCEEDED]
    assert FAMILY_SEEN == [dict(media_type=member, uri="http://example.com/1")]
