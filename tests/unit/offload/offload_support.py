"""
The schema, sizes and helpers the offloading tests share (imported as `offload_support`).

"""
from json import dumps, loads
from threading import current_thread
from time import monotonic, sleep
from typing import Any, Callable

from marshmallow import fields

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.conventions import created
from microcosm_pubsub.decorators import schema


BUCKET = "offload-test-payloads"
BLOB = created("offload_blob")
MIB = 1024 * 1024


@schema
class BlobSchema(PubSubMessageSchema):
    """A message with a name and an arbitrarily large text."""

    MEDIA_TYPE = BLOB

    name = fields.String(required=True)
    data = fields.String(required=False)


def blob(name: str, size: int = MIB) -> dict:
    """Content of about `size` bytes once encoded."""
    return dict(name=name, data="x" * size)


def object_body(s3: Any, pointer_body: str) -> str:
    """The S3 object a pointer body names, as text."""
    _, location = loads(pointer_body)
    return s3.get_object(Bucket=location["s3BucketName"], Key=location["s3Key"])["Body"].read().decode()


def pointer_body(bucket: str, key: str, legacy: bool = False) -> str:
    """A pointer body as the AWS extended clients write it."""
    name = "com.amazon.sqs.javamessaging.MessageS3Pointer" if legacy else \
        "software.amazon.payloadoffloading.PayloadS3Pointer"
    return dumps([name, {"s3BucketName": bucket, "s3Key": key}])


class CallRecorder:
    """Records the operations a boto3 client makes: their parameters and the threads that made them."""

    def __init__(self, client: Any):
        self.calls: list[tuple[str, str, dict]] = []
        client.meta.events.register("before-parameter-build.*.*", self._record)

    def _record(self, params: dict, model: Any, **kwargs: Any) -> None:
        self.calls.append((model.name, current_thread().name, dict(params)))

    def named(self, operation: str) -> list[dict]:
        return [params for name, _, params in self.calls if name == operation]

    def threads(self, operation: str) -> set[str]:
        return {thread for name, thread, _ in self.calls if name == operation}


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0) -> bool:
    """Poll `predicate` until it holds or `timeout` passes; whether it held."""
    deadline = monotonic() + timeout
    while not predicate():
        if monotonic() > deadline:
            return False
        sleep(0.02)
    return True
