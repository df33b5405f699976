"""
Publishing: `produce()` against raw `sns.publish`, and `produce_batch()` against raw
`sns.publish_batch` (10 entries per call), on one topic, from one thread.

The raw floor sends the body `produce()` would send, encoded once beforehand, so the gap is
everything the producer does per message (routing, context, schema dump and validation, JSON,
size check, tracing, metrics). The topic has no subscribers unless `subscribed` is set, so
moto's SNS-to-SQS fan-out does not hide that gap.

"""
from broker import Broker, raw_client
from consume import engine_graph
from messages import CONTENT, MEDIA_TYPE, encoded_message
from timing import timed_loop


SNS_BATCH = 10


def publish_rates(broker: Broker, single: int, bulk: int, produce_batch_size: int, subscribed: bool) -> dict:
    """One run of the four publish loops, each on a fresh topic; returns their `Rate`s by name."""
    rates = {}
    message = encoded_message()
    for name in ("raw_publish", "produce", "raw_publish_batch", "produce_batch"):
        topic_arn = broker.create_topic("bench-publish")
        queue_url = None
        if subscribed:
            queue_url = broker.create_queue("bench-publish-sink")
            broker.subscribe(topic_arn, queue_url)
        try:
            if name.startswith("raw"):
                client = raw_client("sns", broker.endpoint_url)
            else:
                producer = engine_graph(broker.endpoint_url, "unused", 1, topic_arn=topic_arn).sns_producer
                client = producer.sns_client
            if name == "raw_publish":
                def loop() -> None:
                    for _ in range(single):
                        client.publish(TopicArn=topic_arn, Message=message.message,
                                       MessageAttributes=message.message_attributes)
                count = single
            elif name == "produce":
                def loop() -> None:
                    for _ in range(single):
                        producer.produce(MEDIA_TYPE, dict(CONTENT))
                count = single
            elif name == "raw_publish_batch":
                def loop() -> None:
                    for start in range(0, bulk, SNS_BATCH):
                        client.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=[
                            dict(Id=str(index), Message=message.message, MessageAttributes=message.message_attributes)
                            for index in range(min(SNS_BATCH, bulk - start))
                        ])
                count = bulk
            else:
                def loop() -> None:
                    for start in range(0, bulk, produce_batch_size):
                        size = min(produce_batch_size, bulk - start)
                        producer.produce_batch(MEDIA_TYPE, [dict(CONTENT) for _ in range(size)])
                count = bulk
            rates[name] = timed_loop(client, "sns", count, loop)
        finally:
            broker.sns.delete_topic(TopicArn=topic_arn)
            if queue_url:
                broker.delete_queue(queue_url)
    return rates
