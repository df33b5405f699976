"""
A message whose `media_type` attribute (what subscriptions filter on) and body `mediaType` (what
picks the handler) differ is refused, so a filter cannot be walked past.

"""
from json import dumps

from microcosm_pubsub.conventions import created


FILTERED_IN = created("core_attribute_allowed")
SMUGGLED = created("core_attribute_smuggled")


def publish(core_broker, body_media_type, attribute_media_type):
    core_broker.sns.publish(
        TopicArn=core_broker.topic_arn,
        Message=dumps(dict(mediaType=body_media_type, uri="http://example.com/1")),
        MessageAttributes={"media_type": {"DataType": "String", "StringValue": attribute_media_type}},
    )


def test_a_body_media_type_other_than_the_attribute_is_refused(core_graph, core_broker):
    """The smuggled type's handler never runs; the message fails with a reason naming both types."""
    ran = []
    publish(core_broker, SMUGGLED, FILTERED_IN)
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(
        message, {SMUGGLED: lambda content: ran.append(1) or True, FILTERED_IN: lambda content: True},
    )

    assert ran == []
    assert result.result.name == "FAILED"
    assert "differs from the body's mediaType" in result.reason and SMUGGLED in result.reason


def test_matching_attribute_and_body_are_handled(core_graph, core_broker):
    """The usual case, both the same (as every producer sends them), is untouched."""
    publish(core_broker, FILTERED_IN, FILTERED_IN)
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(message, {FILTERED_IN: lambda content: True})

    assert result.result.name == "SUCCEEDED"
