"""
Encode message content to the camelCase JSON wire format and decode it back.

The wire format is shared with the earlier library: a JSON object with `mediaType`, optional
`opaqueData` and the schema's own fields.

"""
from json import dumps, loads
from typing import Any, Optional, Union

from marshmallow import Schema, ValidationError, fields

from microcosm_pubsub.errors import ContentValidationError, describe_validation_error
from microcosm_pubsub.schema_loading import SchemaLoader


DEFAULT_MEDIA_TYPE = "application/json"


class PubSubMessageSchema(Schema):
    """
    Base schema for messages: the media type and the opaque request context.

    Subclasses declare `MEDIA_TYPE` and their own fields; field attributes are the snake_case
    names handlers see, field names (or `data_key`) the camelCase names on the wire.

    """
    MEDIA_TYPE = DEFAULT_MEDIA_TYPE

    mediaType = fields.String(attribute="media_type", required=True)
    opaqueData = fields.Dict(attribute="opaque_data", required=False)


class MediaTypeSchema(Schema):
    """Reads only the media type of a message, whatever else it holds."""

    mediaType = fields.String(required=True)


class MessageValidationError(ContentValidationError):
    """Content failed its schema; the text names the schema class and each invalid field."""

    def __init__(self, error: ValidationError, schema: Schema):
        super().__init__(error.messages, data=getattr(error, "data", None))
        self.schema_name = type(schema).__name__

    def __str__(self) -> str:
        return f"{self.schema_name} rejected the message: {describe_validation_error(self)}"


class PubSubMessageCodec:
    """Encoder and decoder for one schema instance."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self._loader = SchemaLoader(schema)

    def _load(self, dct: Any) -> Any:
        """`self.schema.load(dct, unknown=EXCLUDE)`; a replaced `schema` attribute gets a new loader."""
        loader = self._loader
        if loader.schema is not self.schema:
            loader = self._loader = SchemaLoader(self.schema)
        return loader.load(dct)

    def encode(self, dct: Optional[dict] = None, **kwargs: Any) -> str:
        """
        Dump `dct` merged with `kwargs` to JSON, validated as a consumer would load it.

        Dumping alone never validates, so the dumped form is loaded once more (ignoring unknown and
        dump-only fields): a message that its consumers would reject is never sent.

        """
        message = dict(dct) if dct else {}
        message.update(kwargs)
        dumped = self.schema.dump(message)
        try:
            self._load(dumped)
        except ValidationError as error:
            raise MessageValidationError(error, self.schema) from None
        return dumps(dumped)

    def decode(self, message: Union[str, bytes, dict]) -> dict:
        """Load a JSON string or dict into the snake_case content dict, dropping unknown fields."""
        dct = message if isinstance(message, dict) else loads(message)
        try:
            return self._load(dct)
        except ValidationError as error:
            raise MessageValidationError(error, self.schema) from None
