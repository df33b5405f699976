"""
Load message content through a schema without marshmallow's per-call machinery.

Every consumed message is loaded through its schema (and every produced one is loaded once to
validate it). `Schema.load` costs 12-14 µs even for a three-field schema such as
`URIMessageSchema`, a third of the per-message budget; most of it goes to error stores, hook
dispatch and closures that plain schemas never need.

`SchemaLoader` decides once per schema instance whether a plain loop is provably equivalent to
`schema.load(data, unknown=EXCLUDE)`: no overridden loading methods, no hooks, only fields
whose `deserialize` it mirrors exactly (checked against marshmallow 4.4.0), and callable defaults
only of the builtin containers (`dict`, `list`, ...): a function of the user's is made by
marshmallow, exactly once per load. For any other schema,
and for any value the loop is not sure about (a wrong type, a missing required field, a `None`
where none is allowed, bytes for a string...), the whole message goes to `schema.load`, so
results and errors are marshmallow's own.

"""
import math
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, NamedTuple, Optional

from marshmallow import EXCLUDE, Schema, fields, missing


_UNSURE = object()


def _is_mirrored_marshmallow() -> bool:
    # The loop mirrors marshmallow 4's loading code; other versions always use `schema.load`.
    try:
        return version("marshmallow").split(".")[0] == "4"
    except PackageNotFoundError:
        return False


_MIRRORED_MARSHMALLOW = _is_mirrored_marshmallow()

_LOADING_METHODS = (
    "load",
    "_do_load",
    "_deserialize",
    "_call_and_store",
    "_invoke_load_processors",
    "_invoke_field_validators",
    "_invoke_schema_validators",
    "handle_error",
    "on_bind_field",
)


def _string(value: Any, field: fields.Field) -> Any:
    return value if type(value) is str else _UNSURE


def _raw(value: Any, field: fields.Field) -> Any:
    return value


def _dict(value: Any, field: fields.Field) -> Any:
    # marshmallow hands out a shallow copy (`dict(value)`), never the input object.
    return dict(value) if type(value) is dict else _UNSURE


def _integer(value: Any, field: fields.Field) -> Any:
    return value if type(value) is int else _UNSURE


def _float(value: Any, field: fields.Field) -> Any:
    if type(value) is float:
        number = value
    elif type(value) is int:
        try:
            number = float(value)
        except OverflowError:
            return _UNSURE
    else:
        return _UNSURE
    return number if math.isfinite(number) else _UNSURE


def _boolean(value: Any, field: fields.Field) -> Any:
    if value is not True and value is not False:
        return _UNSURE
    if not field.truthy:
        return value
    if value in field.truthy:
        return True
    if value in field.falsy:
        return False
    return _UNSURE


_CONVERTERS: dict[type, Callable[[Any, fields.Field], Any]] = {
    fields.String: _string,
    fields.Raw: _raw,
    fields.Dict: _dict,
    fields.Integer: _integer,
    fields.Float: _float,
    fields.Boolean: _boolean,
}


# callable defaults that only make a fresh value: they never raise ValidationError nor return `missing`
_PLAIN_DEFAULT_FACTORIES = (dict, list, set, frozenset, tuple, str, int, float, bool)


class _FieldPlan(NamedTuple):
    data_key: str
    attribute: str
    convert: Callable[[Any, fields.Field], Any]
    field: fields.Field
    required: bool
    allow_none: bool
    load_default: Any
    default_is_callable: bool


def _field_plan(name: str, field: fields.Field) -> Optional[_FieldPlan]:
    convert = _CONVERTERS.get(type(field))
    if convert is None:
        return None
    if field.validators or field.pre_load or field.post_load:
        return None
    if type(field) is fields.Dict and (field.key_field is not None or field.value_field is not None):
        return None
    attribute = field.attribute or name
    if "." in attribute:
        return None
    if callable(field.load_default) and not any(field.load_default is made for made in _PLAIN_DEFAULT_FACTORIES):
        # a function of the user's may raise ValidationError or return `missing`: marshmallow's
        # handling of that is left to marshmallow, and the default is made exactly once
        return None
    return _FieldPlan(
        data_key=field.data_key if field.data_key is not None else name,
        attribute=attribute,
        convert=convert,
        field=field,
        required=field.required,
        allow_none=field.allow_none,
        load_default=field.load_default,
        default_is_callable=callable(field.load_default),
    )


def _overrides_loading(schema: Schema) -> bool:
    schema_class = type(schema)
    return any(
        getattr(schema_class, name) is not getattr(Schema, name) or name in vars(schema)
        for name in _LOADING_METHODS
    )


def _field_plans(schema: Schema) -> Optional[tuple[_FieldPlan, ...]]:
    if not _MIRRORED_MARSHMALLOW:
        return None
    if _overrides_loading(schema) or any(schema._hooks.values()):
        return None
    if schema.many or schema.partial or schema.dict_class is not dict:
        return None
    plans = tuple(_field_plan(name, field) for name, field in schema.load_fields.items())
    if None in plans:
        return None
    return plans


def _load_replaced(schema: Schema) -> bool:
    # a test suite that mocks `load` after the codec was built (on the class or the instance) is obeyed
    return type(schema).load is not _SCHEMA_LOAD or "load" in vars(schema)


_SCHEMA_LOAD = Schema.load


def is_fast_path_eligible(schema: Schema) -> bool:
    """Whether `SchemaLoader` loads this schema with its own loop rather than `schema.load`."""
    return _field_plans(schema) is not None


class SchemaLoader:
    """`schema.load(data, unknown=EXCLUDE)` for one schema instance, by a plain loop when exact."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self._plans = _field_plans(schema)

    @property
    def uses_fast_path(self) -> bool:
        """Whether loads take the plain loop; false means every load is `schema.load`."""
        return self._plans is not None

    def load(self, data: Any) -> Any:
        """The loaded content; marshmallow's own `ValidationError` when the content is invalid."""
        plans, schema = self._plans, self.schema
        if plans is None or type(data) is not dict or _load_replaced(schema):
            return schema.load(data, unknown=EXCLUDE)
        result = self._load_plain(plans, data)
        if result is _UNSURE:
            return self.schema.load(data, unknown=EXCLUDE)
        return result

    def _load_plain(self, plans: tuple[_FieldPlan, ...], data: dict) -> Any:
        result = {}
        with_callable_default = []
        for data_key, attribute, convert, field, required, allow_none, load_default, default_is_callable in plans:
            value = data.get(data_key, missing)
            if value is missing:
                if required:
                    return _UNSURE
                if default_is_callable:
                    result[attribute] = missing
                    with_callable_default.append((attribute, load_default))
                elif load_default is not missing:
                    result[attribute] = load_default
            elif value is None:
                if not allow_none:
                    return _UNSURE
                result[attribute] = None
            else:
                value = convert(value, field)
                if value is _UNSURE:
                    return _UNSURE
                result[attribute] = value
        # Defaults are made only once every value is known good, so a message that falls back to
        # marshmallow has not had them made already.
        for attribute, make_default in with_callable_default:
            result[attribute] = make_default()
        return result
