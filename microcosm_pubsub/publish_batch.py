"""
Bulk publishing with SNS `PublishBatch`: many messages, few calls.

Calls carry up to 10 entries and stay under the SNS request size limit; entries SNS refuses are
gathered into one `BatchPublishError` that names them, while the rest are published. Messages
over the offload threshold are stored in S3 first, so calls are packed by their pointers' size.

"""
from time import perf_counter
from typing import Any, Iterable, Optional

from microcosm_pubsub.errors import BatchPublishError, PublishError
from microcosm_pubsub.limits import SNS_MAX_BATCH_ENTRIES, SNS_MAX_MESSAGE_BYTES
from microcosm_pubsub.observability.carrier import TRACE_ATTRIBUTES_MAX_BYTES
from microcosm_pubsub.observability.otel import publish_batch_span
from microcosm_pubsub.outgoing import PubsubMessage


class BatchPublishing:
    """`produce_batch` for `SNSProducer` (uses its `create_message`, `offload`, `sns_client` and metrics)."""

    create_message: Any
    offload: Any
    sns_client: Any
    pubsub_producer_metrics: Any
    skip: bool

    def produce_batch(
        self,
        media_type: str,
        messages: Iterable[dict],
        message_group_id: Optional[str] = None,
    ) -> list[Optional[str]]:
        """
        Publish many messages of one media type with SNS `PublishBatch` and return their ids.

        Every message is validated and size-checked before anything is sent. Calls carry up to 10
        entries and stay under the SNS request size limit. Entries SNS refuses are gathered into
        one `BatchPublishError` naming them (by position in `messages`); the others are published.

        """
        if self.skip:
            return []
        encoded = [self.create_message(media_type, dct) for dct in messages]
        return self.publish_batch([self.offload(pubsub_message) for pubsub_message in encoded], message_group_id)

    def publish_batch(
        self,
        pubsub_messages: list[PubsubMessage],
        message_group_id: Optional[str] = None,
    ) -> list[Optional[str]]:
        message_ids: list[Optional[str]] = [None] * len(pubsub_messages)
        failed: list[dict] = []
        for chunk in chunk_by_count_and_size(pubsub_messages):
            self.publish_chunk(pubsub_messages, chunk, message_group_id, message_ids, failed)
        if failed:
            raise BatchPublishError(failed, message_ids)
        return message_ids

    def publish_chunk(
        self,
        pubsub_messages: list[PubsubMessage],
        chunk: list[int],
        message_group_id: Optional[str],
        message_ids: list[Optional[str]],
        failed: list[dict],
    ) -> None:
        topic_arn = pubsub_messages[chunk[0]].topic_arn
        entries = [
            dict(
                Id=str(index),
                Message=pubsub_messages[index].message,
                MessageAttributes=pubsub_messages[index].message_attributes,
                **pubsub_messages[index].fifo_arguments(message_group_id),
            )
            for index in chunk
        ]
        start = perf_counter()
        try:
            with publish_batch_span(topic_arn, pubsub_messages, chunk):  # injects into each entry's attributes
                response = self.sns_client.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
        except Exception as error:
            self.pubsub_producer_metrics(elapsed_time=(perf_counter() - start) * 1000,
                                         publish_result="FAILURE", media_type=pubsub_messages[chunk[0]].media_type)
            raise PublishError(f"could not publish a batch of {len(chunk)} to {topic_arn}: {error}") from error
        for entry in response.get("Successful", []):
            message_ids[int(entry["Id"])] = entry.get("MessageId")
        for entry in response.get("Failed", []):
            failed.append(dict(index=int(entry["Id"]), code=entry.get("Code"), message=entry.get("Message"),
                               sender_fault=entry.get("SenderFault")))
        self.pubsub_producer_metrics(elapsed_time=(perf_counter() - start) * 1000,
                                     publish_result="FAILURE" if response.get("Failed") else "SUCCESS",
                                     media_type=pubsub_messages[chunk[0]].media_type)


def chunk_by_count_and_size(pubsub_messages: list[PubsubMessage]) -> Iterable[list[int]]:
    """
    Indexes grouped per topic into PublishBatch calls of at most 10 entries and 256 KiB.

    Each entry counts with room for the trace attributes added after packing (in
    `publish_batch_span`), so a traced batch cannot grow past the limit.
    """
    by_topic: dict[str, list[int]] = {}
    for index, pubsub_message in enumerate(pubsub_messages):
        by_topic.setdefault(pubsub_message.topic_arn, []).append(index)
    for indexes in by_topic.values():
        chunk: list[int] = []
        chunk_size = 0
        for index in indexes:
            size = pubsub_messages[index].size + TRACE_ATTRIBUTES_MAX_BYTES
            if chunk and (len(chunk) == SNS_MAX_BATCH_ENTRIES or chunk_size + size > SNS_MAX_MESSAGE_BYTES):
                yield chunk
                chunk, chunk_size = [], 0
            chunk.append(index)
            chunk_size += size
        if chunk:
            yield chunk
