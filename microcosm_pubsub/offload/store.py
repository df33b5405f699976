"""
The S3 side of offloading: store a payload, read it back within a size limit, delete it.

Reads are bounded: a payload over the limit is refused from its announced size or its
`ContentLength`, before its bytes are read, and the read itself never takes more than the limit.

"""
from re import sub
from typing import Any, Optional
from uuid import uuid4

from botocore.exceptions import BotoCoreError, ClientError

from microcosm_pubsub.errors import BadMessageError, PublishError
from microcosm_pubsub.offload.pointer import PayloadPointer


MISSING_CODES = ("NoSuchKey", "404", "NotFound")
READ_CHUNK_BYTES = 1024 * 1024


class PayloadError(BadMessageError):
    """A message's offloaded payload cannot be read; the message fails and is retried like any bad message."""


class PayloadMissingError(PayloadError):
    """The S3 object is gone (expired by a lifecycle rule or deleted): retries cannot help."""


class PayloadTooLargeError(PayloadError):
    """The payload is over `sqs_consumer.large_payload_max_bytes`; it was not downloaded."""


class PayloadUnavailableError(PayloadError):
    """S3 did not answer, or refused (throttling, access, network): a retry may succeed."""


class PayloadRefusedError(PayloadError):
    """The pointer names a bucket this consumer does not read large payloads from."""


class PayloadStoreError(PublishError):
    """A payload could not be stored in S3, so its message was not published."""


def safe_text(error: BaseException) -> str:
    """An error's text for a log line, without credentials a URL might carry (`scheme://user:secret@`)."""
    return sub(r"://[^/\s@]+@", "://***@", f"{type(error).__name__}: {error}")


def read_at_most(stream: Any, limit: int) -> bytes:
    """Up to `limit` bytes of a stream, read in chunks, so no buffer is larger than what can arrive."""
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


class S3PayloadStore:
    """Payloads in one bucket, under a key prefix, through one (thread-safe) boto3 S3 client."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = ""):
        self.s3_client = s3_client
        self.bucket = bucket
        self.prefix = prefix or ""

    def put(self, body: bytes) -> PayloadPointer:
        """Store a payload under a fresh key and return its pointer."""
        pointer = PayloadPointer(bucket=self.bucket, key=f"{self.prefix}{uuid4()}")
        try:
            self.s3_client.put_object(Bucket=pointer.bucket, Key=pointer.key, Body=body)
        except Exception as error:
            raise PayloadStoreError(
                f"could not store a {len(body)}-byte payload at {pointer}: {safe_text(error)}; nothing was "
                f"published (check that the bucket exists and the producer may s3:PutObject in it)"
            ) from error
        return pointer

    def get(self, pointer: PayloadPointer, max_bytes: int, announced_size: Optional[int] = None) -> str:
        """The payload as text; `PayloadError`s say why it cannot be had."""
        if announced_size is not None and announced_size > max_bytes:
            raise self._too_large(pointer, announced_size, max_bytes)
        try:
            response = self.s3_client.get_object(Bucket=pointer.bucket, Key=pointer.key)
        except ClientError as error:
            raise self._classify(pointer, error) from error
        except (BotoCoreError, OSError) as error:
            raise PayloadUnavailableError(f"cannot read the payload at {pointer}: {safe_text(error)}") from error
        return self._read(pointer, response, max_bytes).decode("utf-8")

    def _read(self, pointer: PayloadPointer, response: dict, max_bytes: int) -> bytes:
        """
        The body, never more than `max_bytes + 1` of it.

        With a `ContentLength` within the limit the body is read in one call (HTTP reads no further
        than the announced length, and botocore checks it); without one it is read in chunks up to
        the limit, never asking for the whole limit at once (a read of n bytes allocates n bytes).

        """
        stream = response["Body"]
        try:
            length = response.get("ContentLength")
            if isinstance(length, int) and length > max_bytes:
                raise self._too_large(pointer, length, max_bytes)
            data = stream.read() if isinstance(length, int) else read_at_most(stream, max_bytes + 1)
        except (BotoCoreError, OSError) as error:
            raise PayloadUnavailableError(f"reading the payload at {pointer} failed: {safe_text(error)}") from error
        finally:
            stream.close()
        if len(data) > max_bytes:
            raise self._too_large(pointer, len(data), max_bytes)
        return data

    def delete(self, pointer: PayloadPointer) -> None:
        self.s3_client.delete_object(Bucket=pointer.bucket, Key=pointer.key)

    def _classify(self, pointer: PayloadPointer, error: ClientError) -> PayloadError:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in MISSING_CODES:
            return PayloadMissingError(
                f"the payload at {pointer} no longer exists ({code}): it expired or was deleted before "
                f"this message was handled; the message cannot succeed"
            )
        return PayloadUnavailableError(f"cannot read the payload at {pointer}: {safe_text(error)}")

    def _too_large(self, pointer: PayloadPointer, size: int, max_bytes: int) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"the payload at {pointer} is {size} bytes, over sqs_consumer.large_payload_max_bytes "
            f"({max_bytes}); it was not downloaded (raise the limit to accept it)"
        )
