"""
The envelope that carries several deferred messages in one publish.

`DeferredBatchProducer` publishes a unit of work's messages as one `batch_message`;
`PublishBatchMessage` (a handler) publishes each entry to its own topic.

"""
from marshmallow import Schema, fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import created
from microcosm_pubsub.decorators import schema


class BatchedMessageSchema(Schema):
    """One encoded message inside a batch, with the topic and attributes it will be published with."""

    media_type = fields.String(required=True)
    message = fields.Raw(required=True)
    topic_arn = fields.String(required=True)
    opaque_data = fields.Raw(required=True)
    message_attributes = fields.Raw(required=True)


@schema
class MessageBatchSchema(PubSubMessageSchema):
    """A list of encoded messages published together (it must be mapped to a topic explicitly)."""

    MEDIA_TYPE = created("batch_message")

    messages = fields.List(fields.Nested(BatchedMessageSchema), required=True)
