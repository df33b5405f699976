"""
Lambda entry points read offloaded records like any other, configured by environment only.

"""
from json import dumps

from microcosm.api import binding
from offload_support import BLOB, BUCKET, blob, pointer_body

from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles


HANDLED = []


@handles(BLOB)
def handle_blob_in_lambda(content):
    HANDLED.append(content["name"])
    return True


@binding("offload_lambda_handler")
def configure_offload_lambda_handler(graph):
    return handle_blob_in_lambda


class OffloadLambdaDaemon(ConsumerDaemon):
    name = "offload_lambda"
    components = ConsumerDaemon.components + ["offload_lambda_handler"]


def pointer_record(message_id: str, key: str) -> dict:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": pointer_body(BUCKET, key),
            "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"}


def test_offloaded_records_are_handled_and_a_lost_one_is_returned(s3, monkeypatch):
    """A record whose payload is in S3 is handled (and, with delete on, its object removed); a lost one is retried."""
    monkeypatch.setenv("OFFLOAD_LAMBDA__SQS_CONSUMER__LARGE_PAYLOAD_BUCKET", BUCKET)
    monkeypatch.setenv("OFFLOAD_LAMBDA__SQS_CONSUMER__LARGE_PAYLOAD_DELETE", "true")
    s3.put_object(Bucket=BUCKET, Key="present", Body=dumps(dict(mediaType=BLOB, **blob("in-lambda"))).encode())
    HANDLED.clear()

    answer = OffloadLambdaDaemon.make_lambda_handler()(
        {"Records": [pointer_record("m1", "present"), pointer_record("m2", "absent")]}, None,
    )

    assert HANDLED == ["in-lambda"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
