"""
Consuming large messages: pointers are resolved before decoding, and every S3 failure is that one
message's failure, with a reason that says what happened.

"""
from json import dumps
from logging import DEBUG

from botocore.exceptions import ClientError
from offload_support import BLOB, BUCKET, MIB, CallRecorder, blob, pointer_body

from microcosm_pubsub.daemon import quiet_credential_loggers
from microcosm_pubsub.envelope import LambdaSQSEnvelope
from microcosm_pubsub.result import MessageHandlingResultType as Result


RETRY_AT_ONCE = dict(message_retry_visibility_timeout_seconds=0)


def payload_of(name: str, size: int = 1000) -> str:
    """The body a producer would have published for a blob message."""
    return dumps(dict(mediaType=BLOB, **blob(name, size)))


def send_pointer(core_broker, s3, key: str, payload: str, size_attribute: str = "ExtendedPayloadSize",
                 legacy: bool = False, bucket: str = BUCKET) -> None:
    """Store `payload` and send its pointer straight to the queue, as the SQS extended client does."""
    if bucket == BUCKET:
        s3.put_object(Bucket=BUCKET, Key=key, Body=payload.encode())
    attributes = {size_attribute: dict(DataType="Number", StringValue=str(len(payload.encode())))} \
        if size_attribute else {}
    core_broker.sqs.send_message(QueueUrl=core_broker.queue_url, MessageBody=pointer_body(bucket, key, legacy),
                                 MessageAttributes=attributes)


def handle_all(graph, handler=lambda content: True) -> list:
    """Receive one batch and handle each message with `handler` (resolved at once, as the earlier library did)."""
    dispatcher = graph.sqs_message_dispatcher
    return [dispatcher.handle_message(message, {BLOB: handler}) for message in graph.sqs_consumer.consume()]


def reasons(results) -> list:
    return [(result.result, result.reason) for result in results]


class FlakyS3:
    """The consumer's S3 client, answering GetObject for some keys with an S3 error instead."""

    def __init__(self, client, failing: dict):
        self.client = client
        self.failing = failing

    def get_object(self, **kwargs):
        code = self.failing.get(kwargs["Key"])
        if code:
            raise ClientError({"Error": {"Code": code, "Message": "Please reduce your request rate."}}, "GetObject")
        return self.client.get_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def consumer_s3(graph):
    return graph.sqs_consumer.sqs_envelope.payload_resolver.store


def test_a_published_large_message_is_consumed_with_its_content(offload_graph):
    """consume() returns the 1 MiB content, its media type and topic, as if it had never been offloaded."""
    offload_graph.sns_producer.produce(BLOB, blob("big"))

    [message] = offload_graph.sqs_consumer.consume()

    assert message.media_type == BLOB
    assert message.content["name"] == "big" and len(message.content["data"]) == MIB
    assert message.topic_arn.endswith(":core-topic")


def test_handlers_see_the_content_and_the_object_is_kept_by_default(offload_graph, s3):
    """The handler gets the decoded content; the message is deleted and the S3 object left to the lifecycle rule."""
    offload_graph.sns_producer.produce(BLOB, blob("handled"))
    seen = []

    results = handle_all(offload_graph, lambda content: seen.append(content["name"]) or True)

    assert [result.result for result in results] == [Result.SUCCEEDED] and seen == ["handled"]
    assert offload_graph.sqs_consumer.consume() == []
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1


def test_raw_pointers_and_the_legacy_format_are_read(offload_graph, core_broker, s3):
    """Pointers sent straight to SQS, in the current and in the Java 1.x format, are both resolved."""
    send_pointer(core_broker, s3, "current", payload_of("current"))
    send_pointer(core_broker, s3, "legacy", payload_of("legacy"), size_attribute="SQSLargePayloadSize", legacy=True)

    names = sorted(message.content["name"] for message in offload_graph.sqs_consumer.consume())

    assert names == ["current", "legacy"]


def test_an_s3_error_fails_only_its_message_and_it_is_retried(make_offload_graph, core_broker, s3):
    """A throttled GetObject fails that message with the reason; the rest of the batch succeeds; it comes back."""
    graph = make_offload_graph(consumer=RETRY_AT_ONCE)
    store = consumer_s3(graph)
    store.s3_client = FlakyS3(store.s3_client, {"throttled": "SlowDown"})
    send_pointer(core_broker, s3, "throttled", payload_of("throttled"))
    send_pointer(core_broker, s3, "fine", payload_of("fine"))

    results = handle_all(graph)

    assert sorted(result.result.name for result in results) == ["FAILED", "SUCCEEDED"]
    [failed] = [result for result in results if result.result is Result.FAILED]
    assert "cannot read the payload at s3://offload-test-payloads/throttled" in failed.reason
    assert "SlowDown" in failed.reason
    store.s3_client = store.s3_client.client
    assert [result.result for result in handle_all(graph)] == [Result.SUCCEEDED]


def test_a_missing_object_fails_then_is_skipped_like_a_poison_message(make_offload_graph, core_broker, s3):
    """NoSuchKey: FAILED with "no longer exists", then SKIPPED once the attempts run out (deleted)."""
    graph = make_offload_graph(consumer=RETRY_AT_ONCE, sqs_message_dispatcher=dict(message_max_processing_attempts=1))
    send_pointer(core_broker, s3, "gone", payload_of("gone"))
    s3.delete_object(Bucket=BUCKET, Key="gone")

    [first] = handle_all(graph)
    [second] = handle_all(graph)

    assert first.result is Result.FAILED and "s3://offload-test-payloads/gone no longer exists" in first.reason
    assert second.result is Result.SKIPPED and "maximum of 1 processing attempts" in second.reason
    assert graph.sqs_consumer.consume() == []


def test_an_announced_size_over_the_limit_is_refused_without_a_download(make_offload_graph):
    """The SNS envelope's ExtendedPayloadSize over large_payload_max_bytes: FAILED, and S3 never asked."""
    graph = make_offload_graph(consumer=dict(large_payload_max_bytes=MIB))
    calls = CallRecorder(consumer_s3(graph).s3_client)
    graph.sns_producer.produce(BLOB, blob("huge", 2 * MIB))

    [result] = handle_all(graph)

    assert result.result is Result.FAILED and "over sqs_consumer.large_payload_max_bytes (1048576)" in result.reason
    assert calls.named("GetObject") == []


class CountingStream:
    """An S3 body that counts the bytes read from it."""

    def __init__(self, stream):
        self.stream = stream
        self.read_bytes = 0

    def read(self, amount=None):
        data = self.stream.read(amount)
        self.read_bytes += len(data)
        return data

    def close(self):
        self.stream.close()


def test_an_unannounced_payload_over_the_limit_is_not_read(make_offload_graph, core_broker, s3):
    """No size attribute: the object's ContentLength alone refuses it, before one byte of the body is read."""
    graph = make_offload_graph(consumer=dict(large_payload_max_bytes=1000))
    store = consumer_s3(graph)
    streams = []
    original_get = store.s3_client.get_object

    def get_object(**kwargs):
        response = original_get(**kwargs)
        streams.append(CountingStream(response["Body"]))
        return {**response, "Body": streams[-1]}

    store.s3_client.get_object = get_object
    send_pointer(core_broker, s3, "unannounced", payload_of("unannounced", 5000), size_attribute=None)

    [result] = handle_all(graph)

    assert result.result is Result.FAILED and "large_payload_max_bytes (1000)" in result.reason
    assert [stream.read_bytes for stream in streams] == [0]


def test_without_a_consumer_bucket_the_reason_names_the_setting(make_offload_graph, core_broker, s3):
    """A pointer reaching a consumer that reads no large payloads fails with a reason naming the key to set."""
    graph = make_offload_graph(consumer=dict(large_payload_bucket=None))
    send_pointer(core_broker, s3, "unread", payload_of("unread"))

    [result] = handle_all(graph)

    assert result.result is Result.FAILED
    assert "set sqs_consumer.large_payload_bucket (TEST__SQS_CONSUMER__LARGE_PAYLOAD_BUCKET)" in result.reason


def test_a_pointer_to_another_bucket_is_refused(offload_graph, core_broker, s3):
    """A pointer naming a bucket other than the consumer's is refused, not followed."""
    send_pointer(core_broker, s3, "elsewhere", payload_of("elsewhere"), bucket="someone-elses-bucket")
    calls = CallRecorder(consumer_s3(offload_graph).s3_client)

    [result] = handle_all(offload_graph)

    assert result.result is Result.FAILED and "outside this consumer's bucket" in result.reason
    assert calls.named("GetObject") == []


def test_delete_removes_the_object_after_success_only(make_offload_graph, s3):
    """large_payload_delete: a handled message's object is deleted; a failed one's is kept for its retry."""
    graph = make_offload_graph(consumer=dict(large_payload_delete=True, **RETRY_AT_ONCE))
    graph.sns_producer.produce(BLOB, blob("fails"))

    [failed] = handle_all(graph, lambda content: 1 / 0)
    kept = s3.list_objects_v2(Bucket=BUCKET)["KeyCount"]
    [succeeded] = handle_all(graph)

    assert failed.result is Result.FAILED and kept == 1
    assert succeeded.result is Result.SUCCEEDED and s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_lambda_records_are_resolved(offload_graph, s3):
    """A Lambda SQS record holding a pointer (attributes in Lambda's spelling) decodes to the content."""
    payload = payload_of("lambda")
    s3.put_object(Bucket=BUCKET, Key="lambda", Body=payload.encode())
    record = dict(
        messageId="lambda-id", receiptHandle="lambda-receipt", body=pointer_body(BUCKET, "lambda"),
        attributes=dict(ApproximateReceiveCount="1"), eventSource="aws:sqs",
        messageAttributes={"ExtendedPayloadSize": dict(stringValue=str(len(payload)), dataType="Number")},
    )

    message = LambdaSQSEnvelope(offload_graph).parse_raw_message(None, record)

    assert message.media_type == BLOB and message.content["name"] == "lambda"


def test_credentials_stay_out_of_the_logs(make_offload_graph, core_broker, s3, caplog, monkeypatch):
    """With DEBUG logging, as a daemon sets it up, an S3 failure is logged with its reason and no credential."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "offload-secret-key-do-not-log")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "offload-session-token-do-not-log")
    caplog.set_level(DEBUG)
    quiet_credential_loggers()
    graph = make_offload_graph(consumer=RETRY_AT_ONCE)
    send_pointer(core_broker, s3, "gone", payload_of("gone"))
    s3.delete_object(Bucket=BUCKET, Key="gone")

    [result] = handle_all(graph)

    assert result.result is Result.FAILED and "no longer exists" in caplog.text
    assert "do-not-log" not in caplog.text


def publish_pointer(core_broker, s3, key: str, payload: str, attribute_media_type: str) -> None:
    """Publish a pointer to SNS with a `media_type` attribute, as an offloading producer does."""
    s3.put_object(Bucket=BUCKET, Key=key, Body=payload.encode())
    core_broker.sns.publish(
        TopicArn=core_broker.topic_arn,
        Message=pointer_body(BUCKET, key),
        MessageAttributes={
            "media_type": {"DataType": "String", "StringValue": attribute_media_type},
            "ExtendedPayloadSize": {"DataType": "Number", "StringValue": str(len(payload.encode()))},
        },
    )


def test_a_downloaded_body_of_another_media_type_than_its_attribute_is_refused(offload_graph, core_broker, s3):
    """A large message cannot walk past a filter policy either: the payload's type must match the attribute."""
    smuggled = "application/vnd.globality.pubsub._.created.offload_smuggled"
    ran = []
    publish_pointer(core_broker, s3, "smuggled", payload_of("smuggled"), attribute_media_type=smuggled)
    publish_pointer(core_broker, s3, "honest", payload_of("honest"), attribute_media_type=BLOB)

    handled = handle_all(offload_graph, lambda content: ran.append(content["name"]) or True)
    results = {result.reason is None: result for result in handled}

    assert ran == ["honest"]
    assert results[True].result is Result.SUCCEEDED
    refused = results[False]
    assert refused.result is Result.FAILED
    assert "differs from the body's mediaType" in refused.reason and smuggled in refused.reason
