"""
Message attributes as they arrive, in the three spellings SQS, SNS and Lambda use.

SQS answers `{"DataType": ..., "StringValue": ...}`, the SNS notification envelope carries
`{"Type": ..., "Value": ...}` and Lambda records `{"dataType": ..., "stringValue": ...}`.

"""
from typing import Optional

from microcosm_pubsub.errors import BadMessageError
from microcosm_pubsub.log_safety import printable

MEDIA_TYPE_ATTRIBUTE = "media_type"


def attribute_text(name: str, *attribute_sets: Optional[dict]) -> Optional[str]:
    """The string value of attribute `name` in the first set that has it, in any spelling."""
    for attributes in attribute_sets:
        value = attributes.get(name) if isinstance(attributes, dict) and attributes else None
        if isinstance(value, dict):
            text = value.get("StringValue", value.get("Value", value.get("stringValue")))
            if isinstance(text, str):
                return text
    return None


def check_media_type_attribute(media_type: Optional[str], *attribute_sets: Optional[dict]) -> None:
    """
    Refuse a message whose `media_type` attribute names another type than its body.

    Subscription filter policies select on the attribute, handlers (and a service's method) are
    chosen by the body: a sender who makes them differ gets a message past a filter meant to
    keep it out. Producers here and in the earlier library always set both the same.
    """
    if media_type is None:
        return
    announced = attribute_text(MEDIA_TYPE_ATTRIBUTE, *attribute_sets)
    if announced is not None and announced != media_type:
        raise BadMessageError(
            f"the media_type message attribute ({printable(announced, 200)}) differs from the body's "
            f"mediaType ({printable(media_type, 200)}): subscriptions filter on one and handlers run on "
            "the other, so the message is refused; publish both the same"
        )
