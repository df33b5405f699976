"""
`UUIDField`: UUIDs carried as canonical strings.

"""
from uuid import UUID

import pytest
from marshmallow import Schema, ValidationError

from microcosm_pubsub.fields import UUIDField


VALUE = "0c5f4d3e-6b4a-4a3e-9d7c-1f2e3d4c5b6a"


class ThingSchema(Schema):
    """A schema with one UUID field."""

    id = UUIDField()


def test_loads_a_string_to_the_canonical_string():
    """An upper-case or brace-wrapped UUID string loads as the canonical lower-case string."""
    assert ThingSchema().load(dict(id=VALUE.upper())) == dict(id=VALUE)
    assert ThingSchema().load(dict(id="{%s}" % VALUE)) == dict(id=VALUE)


def test_loads_a_uuid_to_a_string():
    """A `UUID` object loads as its string."""
    assert ThingSchema().load(dict(id=UUID(VALUE))) == dict(id=VALUE)


def test_dumps_a_uuid_as_a_string():
    """A `UUID` dumps as its canonical string."""
    assert ThingSchema().dump(dict(id=UUID(VALUE))) == dict(id=VALUE)


@pytest.mark.parametrize("value", ["not-a-uuid", 42, ["x"]])
def test_rejects_an_invalid_value(value):
    """Anything that is not a UUID raises a ValidationError on the field."""
    with pytest.raises(ValidationError) as raised:
        ThingSchema().load(dict(id=value))

    assert "id" in raised.value.messages
