"""
The schema loader's plain loop gives exactly what `schema.load(data, unknown=EXCLUDE)` gives:
the same dict, key order, value types and copies, or marshmallow's own `ValidationError`.

"""
from collections import OrderedDict
from itertools import count
from types import MappingProxyType
from unittest.mock import patch

import pytest
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    missing,
    post_dump,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from microcosm_pubsub.codecs import MessageValidationError, PubSubMessageCodec, PubSubMessageSchema
from microcosm_pubsub.conventions.messages import (
    ChangedURIMessageSchema,
    IdentityMessageSchema,
    URIMessageSchema,
)
from microcosm_pubsub.fields import UUIDField
from microcosm_pubsub.schema_loading import SchemaLoader, is_fast_path_eligible


MEDIA_TYPE = "application/vnd.globality.pubsub._.created.schema_loading"


class Text(str):
    pass


class AllTypesSchema(Schema):
    string = fields.String()
    raw = fields.Raw()
    mapping = fields.Dict()
    integer = fields.Integer()
    number = fields.Float()
    flag = fields.Boolean()


class KeysSchema(Schema):
    """Wire keys and attributes that differ, declared in an order unlike the input's."""

    last = fields.Integer(data_key="lastKey")
    first = fields.String(data_key="firstKey", attribute="first_attribute", required=True)
    middle = fields.Dict(attribute="middle_attribute")
    empty_key = fields.String(data_key="")


class DefaultsSchema(Schema):
    plain = fields.String(load_default="fallback")
    shared = fields.Dict(load_default={"shared": True})
    made = fields.Raw(load_default=list)
    made_dict = fields.Dict(load_default=dict)
    none_default = fields.Integer(load_default=None)
    nullable = fields.Boolean(allow_none=True)
    not_nullable = fields.Float(allow_none=False, load_default=1.5)
    required = fields.String(required=True)


class FieldOptionsSchema(Schema):
    strict = fields.Integer(strict=True)
    nan = fields.Float(allow_nan=True)
    yes_only = fields.Boolean(truthy={"yes"}, falsy={"no"})
    anything = fields.Boolean(truthy=set())
    shown = fields.String(dump_only=True)
    hidden = fields.String(load_only=True)


class StrictUnknownSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String()


class WithPreLoad(Schema):
    name = fields.String()

    @pre_load
    def upper(self, data, **kwargs):
        return {key: value.upper() if isinstance(value, str) else value for key, value in data.items()}


class WithPostLoad(Schema):
    name = fields.String()

    @post_load
    def mark(self, data, **kwargs):
        return {**data, "post_loaded": True}


class WithValidates(Schema):
    name = fields.String()

    @validates("name")
    def not_bad(self, value, **kwargs):
        if value == "bad":
            raise ValidationError("Bad name.")


class WithValidatesSchema(Schema):
    name = fields.String()

    @validates_schema
    def not_bad(self, data, **kwargs):
        if data.get("name") == "bad":
            raise ValidationError("Bad schema.")


class WithPostDump(Schema):
    name = fields.String()

    @post_dump
    def mark(self, data, **kwargs):
        return data


class WithValidator(Schema):
    name = fields.String(validate=validate.Length(max=3))


class WithFieldPreLoad(Schema):
    name = fields.String(pre_load=[lambda value: value.strip() if isinstance(value, str) else value])


class WithFieldPostLoad(Schema):
    name = fields.String(post_load=[str.upper])


class Shouting(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


class WithCustomField(Schema):
    name = Shouting()


class WithSubclassedField(Schema):
    email = fields.Email()


class WithUUIDField(Schema):
    id = UUIDField()


class WithNested(Schema):
    name = fields.String()
    child = fields.Nested(AllTypesSchema)


class WithList(Schema):
    names = fields.List(fields.String())


class WithTypedDict(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class WithDottedAttribute(Schema):
    name = fields.String(attribute="outer.inner")


class WithFunctionDefault(Schema):
    made_missing = fields.Raw(load_default=lambda: missing)


class OverridesDeserialize(Schema):
    name = fields.String()

    def _deserialize(self, data, **kwargs):
        result = super()._deserialize(data, **kwargs)
        result["deserialized_here"] = True
        return result


class OverridesHandleError(Schema):
    name = fields.String()

    def handle_error(self, error, data, *, many, **kwargs):
        raise ValueError("handled")


class OverridesLoad(Schema):
    name = fields.String()

    def load(self, data, **kwargs):
        return {"loaded_here": True}


class OrderedOutput(Schema):
    dict_class = OrderedDict

    name = fields.String()


def eligible_schemas():
    return [
        AllTypesSchema(),
        KeysSchema(),
        DefaultsSchema(),
        FieldOptionsSchema(),
        StrictUnknownSchema(),
        AllTypesSchema(only=("string", "mapping", "flag")),
        AllTypesSchema(exclude=("raw", "number")),
        AllTypesSchema(unknown=RAISE),
        PubSubMessageSchema(),
        URIMessageSchema(),
        ChangedURIMessageSchema(),
        IdentityMessageSchema(),
        WithNested(exclude=("child",)),
    ]


def ineligible_schemas():
    return [
        WithPreLoad(),
        WithPostLoad(),
        WithValidates(),
        WithValidatesSchema(),
        WithPostDump(),
        WithValidator(),
        WithFieldPreLoad(),
        WithFieldPostLoad(),
        WithCustomField(),
        WithSubclassedField(),
        WithUUIDField(),
        WithNested(),
        WithList(),
        WithTypedDict(),
        WithDottedAttribute(),
        WithFunctionDefault(),
        OverridesDeserialize(),
        OverridesHandleError(),
        OverridesLoad(),
        OrderedOutput(),
        AllTypesSchema(many=True),
        AllTypesSchema(partial=True),
        AllTypesSchema(partial=("string",)),
    ]


VALID_VALUES = {
    fields.String: "text",
    fields.Raw: {"raw": ["value"]},
    fields.Dict: {"key": {"nested": [1, 2]}},
    fields.Integer: 7,
    fields.Float: 2.5,
    fields.Boolean: True,
    fields.Email: "someone@example.com",
    fields.List: ["text"],
    fields.Nested: {"string": "text"},
    UUIDField: "4b9f4e2e-2b8e-4a4c-9d0a-3d1c6a1d2f10",
}

UNUSUAL_VALUES = [
    None,
    0,
    1,
    -3,
    10**400,
    True,
    False,
    1.0,
    0.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "x",
    "5",
    "2.5",
    "true",
    "yes",
    "no",
    "1",
    b"bytes",
    b"\xff",
    Text("subclassed"),
    {},
    {"a": {"b": {"c": 1}}},
    OrderedDict(a=1),
    MappingProxyType({"a": 1}),
    [1, 2],
    (),
    missing,
]


def valid_input(schema):
    """A valid wire dict for the schema, with an unknown key besides."""
    data = {"unknownKey": "ignored"}
    for name, field in schema.load_fields.items():
        data[field.data_key if field.data_key is not None else name] = VALID_VALUES.get(type(field), "text")
    if "mediaType" in data:
        data["mediaType"] = MEDIA_TYPE
    return data


def inputs_for(schema):
    """The valid input, then each key missing and set to each unusual value, then non-dict inputs."""
    valid = valid_input(schema)
    yield valid
    yield dict(reversed(list(valid.items())))
    for key in valid:
        yield {name: value for name, value in valid.items() if name != key}
        for value in UNUSUAL_VALUES:
            yield {**valid, key: value}
    yield {}
    yield {key: None for key in valid}
    yield OrderedDict(valid)
    yield MappingProxyType(valid)
    for not_a_dict in (None, "text", b"bytes", 5, [valid], (valid,)):
        yield not_a_dict


def outcome(load, data):
    """What a load gives, in a form two loads can be compared by: key order, types and copies included."""
    try:
        result = load(data)
    except ValidationError as error:
        return ("error", error.messages, error.valid_data, error.data is data)
    if not isinstance(result, dict):
        return ("result", type(result), result)
    inputs = list(data.values()) if isinstance(data, dict) else []
    return (
        "result",
        type(result),
        [(key, repr(value), type(value)) for key, value in result.items()],
        [any(value is given for given in inputs) for value in result.values()],
    )


def marshmallow_load(schema):
    return lambda data: schema.load(data, unknown=EXCLUDE)


@pytest.mark.parametrize("schema", eligible_schemas(), ids=lambda schema: type(schema).__name__)
def test_eligible_schemas_take_the_fast_path(schema):
    """These schemas are loaded by the plain loop, so the comparisons below test the loop itself."""
    assert is_fast_path_eligible(schema)
    assert SchemaLoader(schema).uses_fast_path


@pytest.mark.parametrize("schema", ineligible_schemas(), ids=lambda schema: type(schema).__name__)
def test_ineligible_schemas_go_to_marshmallow(schema):
    """Hooks, validators, custom or nesting fields and overridden loading all leave the loop out."""
    assert not is_fast_path_eligible(schema)
    assert not SchemaLoader(schema).uses_fast_path


@pytest.mark.parametrize(
    "schema", eligible_schemas() + ineligible_schemas(), ids=lambda schema: type(schema).__name__,
)
def test_the_loader_gives_what_marshmallow_gives(schema):
    """Same dict, key order, types and copies, or the same errors, for every input."""
    loader = SchemaLoader(schema)
    for data in inputs_for(schema):
        try:
            expected = outcome(marshmallow_load(schema), data)
        except Exception as error:
            with pytest.raises(type(error)):
                loader.load(data)
        else:
            assert outcome(loader.load, data) == expected, data


def test_valid_content_never_reaches_schema_load():
    """On valid input the loop answers alone; on invalid input marshmallow answers."""
    schema = AllTypesSchema()
    loader = SchemaLoader(schema)
    valid = valid_input(schema)
    expected = schema.load(valid, unknown=EXCLUDE)

    with patch.object(Schema, "_do_load", side_effect=AssertionError("schema.load was called")):
        assert loader.load(valid) == expected
        with pytest.raises(AssertionError):
            loader.load({**valid, "integer": "7"})


@pytest.mark.parametrize("target", ["instance", "class"])
def test_a_load_mocked_after_the_codec_was_built_is_obeyed(target):
    """Users' suites mock `schema.load` to fake bad content: the mock answers, valid input or not."""
    schema = AllTypesSchema()
    loader = SchemaLoader(schema)
    valid = valid_input(schema)
    refusal = ValidationError({"integer": ["faked"]})

    with patch.object(schema if target == "instance" else AllTypesSchema, "load", side_effect=refusal):
        with pytest.raises(ValidationError) as error:
            loader.load(valid)
    assert error.value.messages == {"integer": ["faked"]}
    assert loader.load(valid) == schema.load(valid, unknown=EXCLUDE)


def test_hooks_still_run():
    """A post_load hook's result, a pre_load hook's change and a validator's error all show."""
    assert SchemaLoader(WithPostLoad()).load({"name": "n"}) == {"name": "n", "post_loaded": True}
    assert SchemaLoader(WithPreLoad()).load({"name": "n"}) == {"name": "N"}
    assert SchemaLoader(OverridesDeserialize()).load({"name": "n"}) == {"name": "n", "deserialized_here": True}
    with pytest.raises(ValidationError) as error:
        SchemaLoader(WithValidates()).load({"name": "bad"})
    assert error.value.messages == {"name": ["Bad name."]}


def test_loaded_dicts_are_copies_and_defaults_are_shared_as_marshmallow_shares_them():
    """A handler changing `opaque_data` leaves the message alone; a plain default is the same object."""
    schema = DefaultsSchema()
    loader = SchemaLoader(schema)
    data = {"required": "r", "shared": {"opaque": "value"}}

    loaded = loader.load(data)
    loaded["shared"]["added"] = True

    assert data == {"required": "r", "shared": {"opaque": "value"}}
    assert loader.load({"required": "r"})["shared"] is schema.load({"required": "r"})["shared"]


def test_callable_defaults_are_made_once_per_load():
    """Valid or not, a load makes each callable default as often as marshmallow makes it."""
    counter = count()

    class Counting(Schema):
        made = fields.Integer(load_default=lambda: next(counter))
        required = fields.String(required=True)

    schema = Counting()
    loader = SchemaLoader(schema)

    assert loader.load({"required": "r"}) == {"made": 0, "required": "r"}
    with pytest.raises(ValidationError):
        loader.load({})
    assert next(counter) == 2
    assert schema.load({"required": "r"}) == {"made": 3, "required": "r"}


def test_a_default_function_that_refuses_is_called_once_with_marshmallows_error():
    """A `load_default` function raising ValidationError runs once per load; the error is marshmallow's."""
    calls = []

    def refuse():
        calls.append(1)
        raise ValidationError("no default today")

    class Refusing(Schema):
        name = fields.String()
        made = fields.Integer(load_default=refuse, data_key="madeKey")

    schema = Refusing()
    with pytest.raises(ValidationError) as ours:
        SchemaLoader(schema).load({"name": "n"})
    assert len(calls) == 1
    with pytest.raises(ValidationError) as theirs:
        schema.load({"name": "n"}, unknown=EXCLUDE)
    assert (ours.value.messages, ours.value.valid_data) == (theirs.value.messages, theirs.value.valid_data)
    assert ours.value.messages == {"madeKey": ["no default today"]}


def test_codec_decodes_and_validates_through_the_loader():
    """Decoding and encoding's validation load give marshmallow's content and errors."""
    codec = PubSubMessageCodec(URIMessageSchema())
    message = {"mediaType": MEDIA_TYPE, "opaqueData": {"x-request-id": "r"}, "uri": "http://x/1", "extra": 1}

    assert list(codec.decode(message).items()) == [
        ("media_type", MEDIA_TYPE),
        ("opaque_data", {"x-request-id": "r"}),
        ("uri", "http://x/1"),
    ]
    with pytest.raises(MessageValidationError) as error:
        codec.decode({"mediaType": MEDIA_TYPE, "uri": 5})
    assert error.value.messages == {"uri": ["Not a valid string."]}
    with pytest.raises(MessageValidationError) as error:
        codec.encode(media_type=MEDIA_TYPE)
    assert error.value.messages == {"uri": ["Missing data for required field."]}


def test_codec_follows_a_replaced_schema():
    """A codec whose `schema` attribute is replaced loads through the new schema."""
    codec = PubSubMessageCodec(URIMessageSchema())
    codec.schema = WithPostLoad()

    assert codec.decode({"name": "n"}) == {"name": "n", "post_loaded": True}
