"""
Where a message's W3C trace context travels: two message attributes, read back on receipt.

Why message attributes and not the body: SNS copies a message's attributes into the SQS
message (raw delivery) or into the envelope's `MessageAttributes` (SNS-wrapped), and Lambda
passes them on as `messageAttributes`, so the context survives fan-out without touching the
payload that other consumers (and the earlier library) decode.

The attribute budget: SNS and SQS carry at most 10 message attributes. A message published
here uses `media_type`, `traceparent`, `tracestate` (only when the trace has state) and, when
offloaded to S3, `ExtendedPayloadSize`: at most 4, leaving 6 for the application.

Standard library only: the envelope notes the carrier whether or not OpenTelemetry is installed.

"""
from typing import Any, Mapping, Optional


TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACE_ATTRIBUTES = (TRACEPARENT, TRACESTATE)
SNS_MAX_MESSAGE_ATTRIBUTES = 10
# the most the trace attributes add to one message's size: names, "String" types, a 55-character
# traceparent and a tracestate of at most 512 characters (the W3C limit); batch packing reserves it
TRACE_ATTRIBUTES_MAX_BYTES = len(TRACEPARENT) + 6 + 55 + len(TRACESTATE) + 6 + 512
# the SQSMessage attribute holding the carrier found on receipt ({"traceparent": ..., ...})
CARRIER_ATTRIBUTE = "trace_carrier"
# the SQSMessage attribute naming its queue when the consumer has no URL (a Lambda event source)
DESTINATION_ATTRIBUTE = "trace_destination"


def attribute_value(attribute: Any) -> Optional[str]:
    """The string of one message attribute as SQS, the SNS envelope or Lambda spell it."""
    if isinstance(attribute, str):
        return attribute
    if type(attribute) is not dict and not isinstance(attribute, Mapping):
        return None
    for key in ("StringValue", "Value", "stringValue"):
        value = attribute.get(key)
        if isinstance(value, str):
            return value
    return None


def read_carrier(*attribute_maps: Any) -> Optional[dict[str, str]]:
    """
    The trace attributes of the first map that has a `traceparent` (None when none has).

    Every received message comes through here: a plain dict is told apart by its type, since an
    `isinstance` check against `typing.Mapping` costs about half a microsecond.

    """
    for attributes in attribute_maps:
        if type(attributes) is not dict and not isinstance(attributes, Mapping):
            continue
        if TRACEPARENT not in attributes:
            continue
        carrier = {}
        for name in TRACE_ATTRIBUTES:
            value = attribute_value(attributes.get(name))
            if value:
                carrier[name] = value[:512]
        if TRACEPARENT in carrier:
            return carrier
    return None


def note_trace_carrier(message: Any, *attribute_maps: Any) -> None:
    """Keep a received message's trace context on it, for the span its handling runs in."""
    carrier = read_carrier(*attribute_maps)
    if carrier is not None:
        setattr(message, CARRIER_ATTRIBUTE, carrier)


def carrier_of(message: Any) -> Optional[dict[str, str]]:
    """The trace carrier the envelope noted on a received message, if any."""
    return getattr(message, CARRIER_ATTRIBUTE, None)


def put_trace_attributes(message_attributes: dict, carrier: Mapping[str, str]) -> None:
    """
    Write the carrier into outgoing message attributes, in place (batch entries share the dict).

    An attribute the application set under these names is replaced; if the message already
    has 10 other attributes the context is left out rather than the publish refused.

    """
    for name in TRACE_ATTRIBUTES:
        message_attributes.pop(name, None)
    room = SNS_MAX_MESSAGE_ATTRIBUTES - len(message_attributes)
    for name in TRACE_ATTRIBUTES:
        value = carrier.get(name)
        if value and room > 0:
            message_attributes[name] = {"DataType": "String", "StringValue": value}
            room -= 1


def sent_timestamp(message: Any) -> Optional[float]:
    """When SQS accepted the message (epoch seconds), from its `SentTimestamp` attribute."""
    attributes = getattr(message, "attributes", None) or {}
    value = attributes.get("SentTimestamp")
    try:
        return int(value) / 1000.0 if value is not None else None
    except (TypeError, ValueError):
        return None
