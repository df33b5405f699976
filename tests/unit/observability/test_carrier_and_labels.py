"""
The trace carrier is read from every shape an attribute arrives in and stays within the SNS/SQS
attribute budget; metric labels name only media types the daemon handles.

"""
from microcosm_pubsub.observability.carrier import put_trace_attributes, read_carrier
from microcosm_pubsub.observability.observer import MAX_CACHED_MEDIA_TYPES, MessageObserver, label_for

TRACEPARENT = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"


def test_the_carrier_is_read_from_sqs_sns_and_lambda_attributes():
    """Raw SQS (`StringValue`), the SNS envelope (`Value`) and Lambda (`stringValue`) all give the context."""
    for attribute in ({"DataType": "String", "StringValue": TRACEPARENT}, {"Type": "String", "Value": TRACEPARENT},
                      {"dataType": "String", "stringValue": TRACEPARENT}):
        assert read_carrier({}, {"traceparent": attribute, "tracestate": dict(attribute)}) == {
            "traceparent": TRACEPARENT, "tracestate": TRACEPARENT}
    assert read_carrier({"media_type": {"StringValue": "x"}}, None) is None


def test_trace_attributes_never_push_a_message_over_ten_attributes():
    """With 9 attributes of its own a message gets traceparent only; with 10, none; stale ones are replaced."""
    nine = {f"a{index}": {"DataType": "String", "StringValue": "v"} for index in range(9)}
    put_trace_attributes(nine, {"traceparent": TRACEPARENT, "tracestate": "k=v"})
    assert len(nine) == 10 and "traceparent" in nine and "tracestate" not in nine

    ten = {f"a{index}": {"DataType": "String", "StringValue": "v"} for index in range(10)}
    put_trace_attributes(ten, {"traceparent": TRACEPARENT})
    assert "traceparent" not in ten

    stale = {"traceparent": {"DataType": "String", "StringValue": "old"}}
    put_trace_attributes(stale, {"traceparent": TRACEPARENT})
    assert stale == {"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}}


def test_media_type_labels_are_bound_types_their_wildcards_or_other():
    """A bound type labels itself, a wildcard binding labels by its pattern, anything else is "other"."""
    bound = {"application/vnd.a.thing": object(), "application/vnd.b.*": object()}
    assert label_for("application/vnd.a.thing", bound) == "application/vnd.a.thing"
    assert label_for("application/vnd.b.created", bound) == "application/vnd.b.*"
    assert label_for("application/vnd.b.created.deeper", bound) == "other"
    assert label_for("application/vnd.attacker.%d" % 1, bound) == "other"
    assert label_for(None, bound) == "other"
    assert label_for("application/vnd.anything", {"*": object()}) == "*"


def test_a_flood_of_unknown_media_types_keeps_the_label_cache_bounded():
    """Many distinct unknown media types all label "other", and the cache stops growing."""
    observer = MessageObserver(tracing=False, metrics=True)

    flood = [f"application/vnd.flood.{index}" for index in range(MAX_CACHED_MEDIA_TYPES + 50)]
    labels = {observer.media_label(media_type, {}) for media_type in flood}

    assert labels == {"other"}
    assert len(observer._labels) == MAX_CACHED_MEDIA_TYPES


def test_a_message_the_trace_would_push_over_the_sns_limit_goes_out_untraced(spans):
    """At 20 bytes under 256 KiB there is no room for a traceparent: the message keeps its size, not the trace."""
    from microcosm_pubsub.limits import SNS_MAX_MESSAGE_BYTES
    from microcosm_pubsub.observability.otel import publish_span
    from microcosm_pubsub.outgoing import PubsubMessage

    def message(size):
        attributes = {"media_type": {"DataType": "String", "StringValue": "m"}}
        body = "x" * (size - len("media_type") - len("String") - 1)
        return PubsubMessage(media_type="m", message=body, message_attributes=attributes, opaque_data={},
                             topic_arn="arn:aws:sns:us-east-1:123456789012:t")

    large, small = message(SNS_MAX_MESSAGE_BYTES - 20), message(1000)
    for pubsub_message in (large, small):
        with publish_span(pubsub_message):
            pass

    assert large.size == SNS_MAX_MESSAGE_BYTES - 20 and "traceparent" not in large.message_attributes
    assert "traceparent" in small.message_attributes
