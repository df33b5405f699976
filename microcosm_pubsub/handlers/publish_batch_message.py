"""
Republish the messages of a deferred `batch_message`, each to its own topic.

A service that defers many publishes (`DeferredBatchProducer`) sends them as one message; a
daemon listing `publish_message_batch` among its components fans them out again.

"""
from typing import Any

from microcosm.api import binding
from microcosm_logging.decorators import logger

from microcosm_pubsub.batch import MessageBatchSchema
from microcosm_pubsub.decorators import handles
from microcosm_pubsub.producer import PubsubMessage


@binding("publish_message_batch")
@handles(MessageBatchSchema)
@logger
class PublishBatchMessage:
    """Publishes each entry of a batch as it was encoded and routed by the original producer."""

    def __init__(self, graph: Any):
        self.sns_producer = graph.sns_producer

    def __call__(self, message: dict) -> bool:
        for entry in message["messages"]:
            self.sns_producer.publish_message(PubsubMessage(
                media_type=entry["media_type"],
                message=entry["message"],
                message_attributes=entry["message_attributes"],
                opaque_data=entry["opaque_data"],
                topic_arn=entry["topic_arn"],
            ))
        return True
