"""
Wire compatibility with the earlier microcosm-pubsub: the same publish call shape both ways.

The golden values below were captured from microcosm-pubsub 3.0.0 in testing mode (its
`sns_client.publish.call_args`), so a fleet mixing both libraries keeps interoperating.

"""
from json import dumps, loads

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.conventions import created


TOPIC = "arn:aws:sns:us-east-1:123456789012:topic"
# published by microcosm-pubsub 3.0.0: produce(created("order"), uri=..., opaque_data={"X-Custom": "v"})
# with opaque X-Request-Id set
EARLIER_PUBLISH_CALL = {
    "TopicArn": TOPIC,
    "Message": (
        '{"mediaType": "application/vnd.globality.pubsub._.created.order", "opaqueData": {"x-custom": "v", '
        '"x-request-id": "req-1", "x-request-published": "1795498292.32367"}, "uri": "http://x/orders/1"}'
    ),
    "MessageAttributes": {
        "media_type": {"DataType": "String", "StringValue": "application/vnd.globality.pubsub._.created.order"},
    },
}


def make_graph():
    graph = create_object_graph("wire", testing=True, loader=load_from_dict(sns_topic_arns=dict(default=TOPIC)))
    graph.use("opaque", "sns_producer", "sqs_consumer", "sqs_envelope")
    graph.lock()
    return graph


def test_publish_call_matches_the_earlier_library():
    """Our publish call has the earlier library's keywords, attribute and body, key for key."""
    graph = make_graph()
    graph.opaque["X-Request-Id"] = "req-1"
    graph.sns_producer.produce(created("order"), uri="http://x/orders/1", opaque_data={"X-Custom": "v"})
    call = graph.sns_producer.sns_client.publish.call_args.kwargs

    assert set(call) == set(EARLIER_PUBLISH_CALL)
    assert call["TopicArn"] == EARLIER_PUBLISH_CALL["TopicArn"]
    assert call["MessageAttributes"] == EARLIER_PUBLISH_CALL["MessageAttributes"]
    ours, theirs = loads(call["Message"]), loads(EARLIER_PUBLISH_CALL["Message"])
    assert list(ours) == list(theirs)
    assert set(ours["opaqueData"]) == set(theirs["opaqueData"])
    assert float(ours["opaqueData"]["x-request-published"]) > 0
    assert {key: value for key, value in ours.items() if key != "opaqueData"} == {
        key: value for key, value in theirs.items() if key != "opaqueData"
    }


def test_a_message_from_the_earlier_library_decodes():
    """An SNS notification carrying the earlier library's body decodes to the same content."""
    graph = make_graph()
    body = dumps({"Type": "Notification", "MessageId": "sns-1", "TopicArn": TOPIC,
                  "Message": EARLIER_PUBLISH_CALL["Message"]})
    message = graph.sqs_consumer.parse({"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": body})

    assert message.decode_error is None
    assert message.media_type == created("order")
    assert message.topic_arn == TOPIC
    assert message.uri == "http://x/orders/1"
    assert message.opaque_data["x-request-id"] == "req-1"
