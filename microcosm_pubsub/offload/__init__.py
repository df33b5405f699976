"""
Large messages through S3, wire-compatible with the AWS extended clients.

A message too large for SNS/SQS (or every message, with `large_payload_always`) is stored in S3
and published as a pointer; consumers read the pointer, download the payload and decode it, so
handlers see the content. The pointer format, the S3 store, and the producer's and consumer's
hooks each have their own module.

"""
from microcosm_pubsub.offload.consuming import (
    OffloadedPayload,
    PayloadResolver,
    discard_payload,
    resolve_payload,
    resolve_payload_for_handling,
)
from microcosm_pubsub.offload.pointer import (
    LEGACY_POINTER_CLASS,
    LEGACY_SIZE_ATTRIBUTE,
    POINTER_CLASS,
    SIZE_ATTRIBUTE,
    PayloadPointer,
    declared_size,
    parse_pointer,
)
from microcosm_pubsub.offload.producing import PayloadOffloader
from microcosm_pubsub.offload.store import (
    PayloadError,
    PayloadMissingError,
    PayloadRefusedError,
    PayloadStoreError,
    PayloadTooLargeError,
    PayloadUnavailableError,
    S3PayloadStore,
)


__all__ = [
    "LEGACY_POINTER_CLASS",
    "LEGACY_SIZE_ATTRIBUTE",
    "OffloadedPayload",
    "POINTER_CLASS",
    "PayloadError",
    "PayloadMissingError",
    "PayloadOffloader",
    "PayloadPointer",
    "PayloadRefusedError",
    "PayloadResolver",
    "PayloadStoreError",
    "PayloadTooLargeError",
    "PayloadUnavailableError",
    "S3PayloadStore",
    "SIZE_ATTRIBUTE",
    "declared_size",
    "discard_payload",
    "parse_pointer",
    "resolve_payload",
    "resolve_payload_for_handling",
]
