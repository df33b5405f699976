"""
`ConsumerDaemon.make_lambda_handler()` and `create_for_testing()` behave as the contract says.

"""
from json import dumps
from unittest.mock import MagicMock

from marshmallow import fields
from microcosm.api import binding

from microcosm_pubsub.codecs import PubSubMessageSchema
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles, schema
from microcosm_pubsub.errors import Nack


@schema
class LambdaWork(PubSubMessageSchema):
    MEDIA_TYPE = "application/vnd.acme.pubsub.lambda_work"

    item = fields.String(required=True)


HANDLED = []


@handles(LambdaWork)
def handle_lambda_work(message):
    if message["item"] == "retry":
        raise Nack(0)
    HANDLED.append(message["item"])
    return True


@binding("lambda_work_handler")
def configure_lambda_work_handler(graph):
    return handle_lambda_work


class LambdaDaemon(ConsumerDaemon):
    name = "lambda_daemon"
    components = ConsumerDaemon.components + ["lambda_work_handler"]


def record(message_id, item, receive_count="1"):
    body = dumps({"mediaType": LambdaWork.MEDIA_TYPE, "item": item})
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": body,
            "attributes": {"ApproximateReceiveCount": receive_count}}


def test_lambda_handler_handles_every_record_and_reports_failures(monkeypatch):
    """Each record is handled; the ones to retry come back as batchItemFailures."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    HANDLED.clear()
    handler = LambdaDaemon.make_lambda_handler()

    answer = handler({"Records": [record("m1", "a"), record("m2", "retry"), record("m3", "b")]}, None)

    assert HANDLED == ["a", "b"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


def test_lambda_handler_answers_warm_up_events():
    """An event with a "warm" key is answered without handling anything."""
    assert LambdaDaemon.make_lambda_handler()({"warm": True}, None) == "warming up"


def test_create_for_testing_builds_a_mocked_graph():
    """The testing daemon has the documented args, bound handlers and a MagicMock producer."""
    daemon = LambdaDaemon.create_for_testing()

    assert (daemon.args.debug, daemon.args.testing, daemon.args.sqs_queue_url) == (False, True, "queue")
    assert daemon.bound_handlers == {LambdaWork.MEDIA_TYPE: handle_lambda_work}
    assert isinstance(daemon.graph.sqs_consumer.sqs_client, MagicMock)
    assert daemon.graph.config.sns_producer.mock_sns is False
    assert LambdaDaemon.create_for_testing().graph.sqs_consumer is daemon.graph.sqs_consumer


def test_components_is_a_plain_list_to_extend():
    """Subclasses extend `ConsumerDaemon.components` as a class attribute, as the README shows."""
    assert isinstance(ConsumerDaemon.components, list)
    assert LambdaDaemon.components[-1] == "lambda_work_handler"
    assert "sqs_message_dispatcher" in LambdaDaemon.components


def test_a_record_that_breaks_outside_its_handler_fails_alone(monkeypatch):
    """A malformed record is reported as a failure; the records around it are still handled."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    HANDLED.clear()
    handler = LambdaDaemon.make_lambda_handler()
    broken = {"messageId": "m2", "receiptHandle": "rh-m2", "body": None, "attributes": "not a dict"}

    answer = handler({"Records": [record("m1", "a"), broken, record("m3", "b")]}, None)

    assert HANDLED == ["a", "b"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


def test_good_records_beside_a_hostile_one_are_handled_once(monkeypatch):
    """Item 10 of the audit: a hostile `x-request-published` in record 2 of 3 used to raise out of
    the invocation after its handler ran, so Lambda retried the whole event and the good records
    around it were handled twice. Now every record is handled once and none is reported failed."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    HANDLED.clear()
    handler = LambdaDaemon.make_lambda_handler()
    hostile = record("m2", "b")
    hostile["body"] = dumps({"mediaType": LambdaWork.MEDIA_TYPE, "item": "b",
                             "opaqueData": {"x-request-published": ["1"]}})

    answer = handler({"Records": [record("m1", "a"), hostile, record("m3", "c")]}, None)

    assert HANDLED == ["a", "b", "c"]
    assert answer == {"batchItemFailures": []}
