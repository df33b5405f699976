"""
Conventions: media type names for lifecycle changes and the schemas that go with them.

"""
import pytest

from microcosm_pubsub.conventions import (
    ChangedURIMessageSchema,
    IdentityMessageSchema,
    LifecycleChange,
    URIMessageSchema,
    changed,
    created,
    deleted,
    make_media_type,
    media_type,
    name_for,
)
from microcosm_pubsub.conventions.messages import ChangedURIMessageSchema as MessagesChangedURI


class FooBar:
    """A resource class named by its class name."""


class Aliased:
    """A resource class named by its alias."""

    __alias__ = "SomethingElse"


def test_make_media_type_defaults_to_created_and_globality():
    """A bare resource name gives the private `created` media type of the globality organization."""
    assert make_media_type("foo") == "application/vnd.globality.pubsub._.created.foo"


def test_make_media_type_options():
    """Lifecycle change, organization and public are honoured; public leaves out `._`."""
    assert make_media_type("foo", lifecycle_change="deleted", organization="acme", public=True) == (
        "application/vnd.acme.pubsub.deleted.foo"
    )


@pytest.mark.parametrize("make, change", [(created, "created"), (changed, "changed"), (deleted, "deleted")])
def test_lifecycle_builders(make, change):
    """`created`, `changed` and `deleted` build the media type of their change."""
    assert make("order") == f"application/vnd.globality.pubsub._.{change}.order"


def test_media_type_builds_for_any_change_word():
    """`media_type(word)` is the same builder for a custom lifecycle word."""
    assert media_type("archived")("order", public=True) == "application/vnd.globality.pubsub.archived.order"


@pytest.mark.parametrize("obj, name", [
    ("FooBar", "foo_bar"),
    ("FooBar.ThisThat", "foo_bar.this_that"),
    (FooBar, "foo_bar"),
    (FooBar(), "foo_bar"),
    (Aliased, "something_else"),
])
def test_name_for(obj, name):
    """Strings, classes and instances get a snake_case name; dots stay, aliases win."""
    assert name_for(obj) == name


def test_media_type_from_a_class():
    """A class resource is named as `name_for` names it."""
    assert created(FooBar) == "application/vnd.globality.pubsub._.created.foo_bar"


def test_lifecycle_change_is_a_live_set():
    """The lifecycle set holds the three words, accepts new ones, and matches dot-segments."""
    changes = LifecycleChange()
    assert changes == {"created", "changed", "deleted"}
    assert not changes.matches("application/vnd.x.pubsub._.archived.order")

    changes.add("archived")

    assert changes.matches("application/vnd.x.pubsub._.archived.order")
    assert not changes.matches("application/vnd.x.pubsub._.archivedish.order")


def test_schemas_load_their_fields():
    """URI, ChangedURI and Identity schemas load `uri`, `field_name`/`new_value` and `id`."""
    assert URIMessageSchema().load(dict(mediaType="m", uri="u")) == dict(media_type="m", uri="u")
    assert ChangedURIMessageSchema().load(dict(mediaType="m", uri="u", field_name="f", new_value="v")) == dict(
        media_type="m", uri="u", field_name="f", new_value="v",
    )
    assert IdentityMessageSchema().load(dict(mediaType="m", id="1")) == dict(media_type="m", id="1")
    assert MessagesChangedURI is ChangedURIMessageSchema


def test_schema_media_type_can_be_given_per_instance():
    """A convention schema instance can carry its own media type."""
    assert URIMessageSchema(created("order")).MEDIA_TYPE == created("order")
    assert IdentityMessageSchema(deleted("order")).MEDIA_TYPE == deleted("order")
