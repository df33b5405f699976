"""
Schemas for convention-named messages: a resource announced by its URI or its id.

"""
from typing import Any, Optional

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema


class ConventionMessageSchema(PubSubMessageSchema):
    """A schema one class serves for many media types: an instance may carry its own `MEDIA_TYPE`."""

    def __init__(self, media_type: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        if media_type is not None:
            self.MEDIA_TYPE = media_type


class URIMessageSchema(ConventionMessageSchema):
    """A message that points at a resource by `uri`; consumers fetch the resource themselves."""

    uri = fields.String(required=True)


class ChangedURIMessageSchema(URIMessageSchema):
    """A `changed` message: which field changed and its new value, beside the resource's `uri`."""

    field_name = fields.String()
    new_value = fields.String()


class IdentityMessageSchema(ConventionMessageSchema):
    """A message that names a resource by `id`: used for deletions, when no URI resolves."""

    id = fields.String(required=True)
