"""
Registries: which schema decodes a media type, and which bound handler processes it.

"""
import pytest
from marshmallow import fields
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import (
    ChangedURIMessageSchema,
    IdentityMessageSchema,
    URIMessageSchema,
    changed,
    created,
    deleted,
    media_type,
)
from microcosm_pubsub.registry import AlreadyRegisteredError


WIDGET = "application/vnd.globality.pubsub._.created.core_registry_widget"
WILDCARD = "application/vnd.core.registry.*"


class WidgetSchema(PubSubMessageSchema):
    """A schema registered by hand in these tests (never by decorator)."""

    MEDIA_TYPE = WIDGET

    name = fields.String(required=True)


class OtherWidgetSchema(PubSubMessageSchema):
    """A second schema, to clash with `WidgetSchema`."""

    MEDIA_TYPE = WIDGET


class FamilySchema(PubSubMessageSchema):
    """A schema registered for a trailing wildcard."""

    MEDIA_TYPE = WILDCARD

    family = fields.String()


@pytest.fixture
def graph():
    """A plain graph: no testing flag, no AWS settings."""
    return create_object_graph("test")


@pytest.fixture
def schemas(graph):
    """The graph's schema registry."""
    return graph.pubsub_message_schema_registry


@pytest.fixture
def handlers(graph):
    """The graph's handler registry."""
    return graph.sqs_message_handler_registry


def test_find_exact_returns_a_codec_with_a_schema_instance(schemas):
    """A registered class is found by its exact media type, as a codec over an instance."""
    schemas.register(WIDGET, WidgetSchema)

    assert isinstance(schemas.find(WIDGET).schema, WidgetSchema)


def test_registering_the_same_class_twice_is_a_no_op(schemas):
    """Registering a class again for its media type changes nothing."""
    schemas.register(WIDGET, WidgetSchema)
    schemas.register(WIDGET, WidgetSchema)

    assert isinstance(schemas.find(WIDGET).schema, WidgetSchema)


def test_registering_another_class_raises(schemas):
    """A second class for a registered media type raises AlreadyRegisteredError."""
    schemas.register(WIDGET, WidgetSchema)

    with pytest.raises(AlreadyRegisteredError):
        schemas.register(WIDGET, OtherWidgetSchema)
    assert isinstance(schemas.find(WIDGET).schema, WidgetSchema)


def test_a_string_only_records_the_media_type(schemas):
    """Registering a string makes the media type known (found) without a schema class clash."""
    schemas.register("application/vnd.core.registry-string", "application/vnd.core.registry-string")
    schemas.register("application/vnd.core.registry-string", URIMessageSchema)

    assert "application/vnd.core.registry-string" in schemas.keys()
    assert isinstance(schemas.find("application/vnd.core.registry-string").schema, URIMessageSchema)


def test_miss_raises_key_error(schemas):
    """An unknown, non-lifecycle media type raises KeyError naming it."""
    with pytest.raises(KeyError) as raised:
        schemas.find("application/vnd.core.registry-unknown")

    assert "application/vnd.core.registry-unknown" in str(raised.value)


def test_wildcard_matches_one_more_segment(schemas):
    """`a.b.*` matches `a.b.c` and gives its class."""
    schemas.register(WILDCARD, FamilySchema)

    assert isinstance(schemas.find("application/vnd.core.registry.member").schema, FamilySchema)


def test_wildcard_does_not_match_two_more_segments(schemas):
    """`a.b.*` does not match `a.b.c.d`."""
    schemas.register(WILDCARD, FamilySchema)

    with pytest.raises(KeyError):
        schemas.find("application/vnd.core.registry.member.child")


def test_exact_match_wins_over_wildcard(schemas):
    """A media type registered exactly uses its own class, not the wildcard's."""
    exact = "application/vnd.core.registry.widget"
    schemas.register(WILDCARD, FamilySchema)
    schemas.register(exact, WidgetSchema)

    assert isinstance(schemas.find(exact).schema, WidgetSchema)


@pytest.mark.parametrize("make, schema_class", [
    (deleted, IdentityMessageSchema),
    (changed, ChangedURIMessageSchema),
    (created, URIMessageSchema),
])
def test_lifecycle_types_are_auto_registered(schemas, make, schema_class):
    """Unregistered lifecycle types decode with Identity (deleted), ChangedURI (changed), else URI."""
    codec = schemas.find(make("core_registry_auto"))

    assert type(codec.schema) is schema_class


def test_auto_registered_deleted_type_decodes_an_id(schemas):
    """A deleted message decodes its `id`."""
    codec = schemas.find(deleted("core_registry_auto"))

    assert codec.decode(dict(mediaType=deleted("core_registry_auto"), id="42")) == dict(
        media_type=deleted("core_registry_auto"), id="42",
    )


def test_auto_registration_prefers_the_registered_class(schemas):
    """A lifecycle type with a registered class decodes with that class."""
    schemas.register(WIDGET, WidgetSchema)

    assert isinstance(schemas.find(WIDGET).schema, WidgetSchema)


def test_added_lifecycle_word_counts_at_once(graph, schemas):
    """A word added to `pubsub_lifecycle_change` makes its media types auto-register immediately."""
    archived = media_type("archived")("core_registry_thing")
    with pytest.raises(KeyError):
        schemas.find(archived)

    graph.pubsub_lifecycle_change.add("archived")

    assert type(schemas.find(archived).schema) is URIMessageSchema


def test_auto_register_can_be_turned_off():
    """With `auto_register` off, an unregistered lifecycle type is a miss."""
    graph = create_object_graph(
        "test", loader=load_from_dict(pubsub_message_schema_registry=dict(auto_register=False)),
    )

    with pytest.raises(KeyError):
        graph.pubsub_message_schema_registry.find(created("core_registry_off"))


def widget_handler(content):
    """A function handler."""
    return True


class WidgetHandler:
    """A class handler, built by the registry with the graph."""

    built = 0

    def __init__(self, graph):
        WidgetHandler.built += 1
        self.graph = graph

    def __call__(self, content):
        return True


def test_handler_register_never_raises(handlers):
    """Two handlers for one media type can be registered."""
    handlers.register(WIDGET, widget_handler)
    handlers.register(WIDGET, WidgetHandler)

    assert WIDGET in handlers.keys()


def test_compute_bound_handlers_keeps_listed_components(graph, handlers):
    """Only handlers that are listed components are bound."""
    graph.assign("core_widget_handler", widget_handler)
    handlers.register(WIDGET, widget_handler)
    handlers.register("application/vnd.core.registry-unbound", lambda content: True)

    assert handlers.compute_bound_handlers(["core_widget_handler"]) == {WIDGET: widget_handler}


def test_compute_bound_handlers_matches_a_component_by_its_class(graph, handlers):
    """A class handler is bound when a listed component is an instance of it."""
    graph.assign("core_widget_handler", WidgetHandler(graph))
    handlers.register(WIDGET, WidgetHandler)

    assert handlers.compute_bound_handlers(["core_widget_handler"]) == {WIDGET: WidgetHandler}


def test_compute_bound_handlers_rejects_two_bound_handlers(graph, handlers):
    """Two listed handlers for one media type raise AlreadyRegisteredError."""
    graph.assign("core_widget_handler", widget_handler)
    graph.assign("core_widget_class_handler", WidgetHandler(graph))
    handlers.register(WIDGET, widget_handler)
    handlers.register(WIDGET, WidgetHandler)

    with pytest.raises(AlreadyRegisteredError):
        handlers.compute_bound_handlers(["core_widget_handler", "core_widget_class_handler"])


def test_find_unbound_raises_key_error(handlers):
    """A media type with no bound handler is a KeyError."""
    handlers.register(WIDGET, widget_handler)

    with pytest.raises(KeyError):
        handlers.find(WIDGET, {})


def test_find_returns_a_function_or_instance_itself(handlers):
    """A bound function or instance is returned as it is."""
    instance = WidgetHandler(None)

    assert handlers.find(WIDGET, {WIDGET: widget_handler}) is widget_handler
    assert handlers.find(WIDGET, {WIDGET: instance}) is instance


def test_find_builds_a_class_handler_once(graph, handlers):
    """A bound class is built with the graph once, and the same instance is returned every time."""
    built_before = WidgetHandler.built

    first = handlers.find(WIDGET, {WIDGET: WidgetHandler})
    second = handlers.find(WIDGET, {WIDGET: WidgetHandler})

    assert first is second
    assert isinstance(first, WidgetHandler) and first.graph is graph
    assert WidgetHandler.built == built_before + 1


def test_find_matches_a_wildcard_binding(handlers):
    """A handler bound for `a.b.*` is found for `a.b.c`, not for `a.b.c.d`."""
    bound = {WILDCARD: widget_handler}

    assert handlers.find("application/vnd.core.registry.member", bound) is widget_handler
    with pytest.raises(KeyError):
        handlers.find("application/vnd.core.registry.member.child", bound)
