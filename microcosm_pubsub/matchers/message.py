"""
`PublishedMessage`, read back from mocked publish calls, and matchers of its properties.

Why two sources: in testing mode the producer is real and only its `sns_client` is a mock, so the
SNS `publish` keywords (`TopicArn`, `Message`) are what was sent; with `mock_sns=False` the whole
producer is a mock, so its `produce(media_type, ...)` calls are what the code asked to send.

"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json import JSONDecodeError, loads
from typing import Any, Optional
from unittest.mock import NonCallableMock, _Call

from hamcrest import not_none
from hamcrest.core.base_matcher import BaseMatcher
from hamcrest.core.description import Description
from hamcrest.core.helpers.wrap_matcher import wrap_matcher
from hamcrest.core.matcher import Matcher


@dataclass
class PublishedMessage:
    """One published message: its topic (None for a mock producer) and its decoded JSON body."""

    topic_arn: Optional[str]
    message: Mapping[str, Any]

    @property
    def media_type(self) -> Optional[str]:
        """The message's `mediaType`."""
        return self.message.get("mediaType")

    @property
    def uri(self) -> Optional[str]:
        """The message's `uri`, if it has one."""
        return self.message.get("uri")

    @classmethod
    def from_call(cls, mock_call: _Call) -> Optional["PublishedMessage"]:
        """The message of an SNS `publish` or a producer's `produce` call; None for other calls."""
        return _from_publish(mock_call) or _from_produce(mock_call)

    @staticmethod
    def iter_from_mock_calls(mock_calls: Iterable[_Call]) -> list["PublishedMessage"]:
        """The messages among `mock_calls`, in call order; other calls are left out."""
        return _keep(map(PublishedMessage.from_call, mock_calls))

    @staticmethod
    def iter_from_sns_producer(producer: Any) -> list["PublishedMessage"]:
        """Everything a mocked producer (or a producer with a mocked client) published."""
        if isinstance(producer, NonCallableMock):
            return _from_mock_producer(producer)
        return _from_mock_client(producer)


def _keep(messages: Iterable[Optional[PublishedMessage]]) -> list[PublishedMessage]:
    """The messages, without the Nones that stand for calls of another kind."""
    return [message for message in messages if message is not None]


def _decode(body: Any) -> Optional[Mapping[str, Any]]:
    """A JSON object body as a dict; None for anything else (not a message of ours)."""
    try:
        decoded = loads(body)
    except (TypeError, JSONDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def _from_publish(mock_call: _Call) -> Optional[PublishedMessage]:
    """An SNS `publish(TopicArn=..., Message=...)` call as a message."""
    kwargs = mock_call.kwargs
    if "TopicArn" not in kwargs or "Message" not in kwargs:
        return None
    message = _decode(kwargs["Message"])
    return None if message is None else PublishedMessage(kwargs["TopicArn"], message)


def _from_produce(mock_call: _Call) -> Optional[PublishedMessage]:
    """A `produce(media_type, dct=None, **fields)` call, positional or keyword, as a message."""
    args, fields = mock_call.args, dict(mock_call.kwargs)
    media_type = args[0] if args else fields.pop("media_type", None)
    if not isinstance(media_type, str):
        return None
    dct = args[1] if len(args) > 1 else fields.pop("dct", None)
    message = {**(dct or {}), **fields, "mediaType": media_type}
    return PublishedMessage(topic_arn=None, message=message)


def _from_batch(mock_call: _Call) -> list[PublishedMessage]:
    """The entries of an SNS `publish_batch` call as messages."""
    topic_arn = mock_call.kwargs.get("TopicArn")
    bodies = (_decode(entry.get("Message")) for entry in mock_call.kwargs.get(
        "PublishBatchRequestEntries", ()))
    return [PublishedMessage(topic_arn, body) for body in bodies if body is not None]


def _from_mock_client(producer: Any) -> list[PublishedMessage]:
    """
    The messages a real producer sent through its mocked `sns_client`.

    Entries of `publish_batch` calls (`produce_batch`) follow the single publishes: when a test
    mixes both, `published_inanyorder` is the matcher to use.

    """
    client = getattr(producer, "sns_client", None)
    if not isinstance(client, NonCallableMock):
        raise TypeError(
            f"cannot read published messages from {producer!r}: it needs a mock `sns_client` "
            "(a graph with metadata.testing) or to be a mock itself (sns_producer.mock_sns=False)",
        )
    messages = _keep(map(_from_publish, client.publish.call_args_list))
    for mock_call in client.publish_batch.call_args_list:
        messages.extend(_from_batch(mock_call))
    return messages


def _from_produce_batch(mock_call: _Call) -> list[PublishedMessage]:
    """A `produce_batch(media_type, [dict, ...])` call, positional or keyword, as messages."""
    args, kwargs = list(mock_call.args), dict(mock_call.kwargs)
    media_type = args.pop(0) if args else kwargs.pop("media_type", None)
    dicts = args[0] if args else next(iter(kwargs.values()), ())
    if not isinstance(media_type, str):
        return []
    return [PublishedMessage(None, {**dct, "mediaType": media_type}) for dct in dicts or ()]


def _from_mock_producer(producer: NonCallableMock) -> list[PublishedMessage]:
    """The messages a mock producer was asked for, through `produce` then `produce_batch`."""
    messages = _keep(map(_from_produce, producer.produce.call_args_list))
    for mock_call in producer.produce_batch.call_args_list:
        messages.extend(_from_produce_batch(mock_call))
    return messages


class PublishedMessageMatcher(BaseMatcher):
    """Match one property of a `PublishedMessage`; describes itself in terms of messages."""

    def __init__(self, property_name: str, value_matcher: Matcher):
        self.property_name = property_name
        self.value_matcher = value_matcher

    def _matches(self, item: Any) -> bool:
        if not hasattr(item, self.property_name):
            return False
        return self.value_matcher.matches(getattr(item, self.property_name))

    def describe_to(self, description: Description) -> None:
        description.append_text(f"a message with a {self.property_name} matching ")
        description.append_description_of(self.value_matcher)

    def describe_mismatch(self, item: Any, mismatch_description: Description) -> None:
        if not hasattr(item, self.property_name):
            mismatch_description.append_description_of(item).append_text(" is not a message")
            return
        mismatch_description.append_text(f"{self.property_name} ")
        value = getattr(item, self.property_name)
        self.value_matcher.describe_mismatch(value, mismatch_description)


def has_media_type(match: Any = None) -> PublishedMessageMatcher:
    """A message whose media type matches `match` (a value or a matcher); None: has one at all."""
    return PublishedMessageMatcher("media_type", _value_matcher(match))


def has_uri(match: Any = None) -> PublishedMessageMatcher:
    """A message whose URI matches `match` (a value or a matcher); None: has one at all."""
    return PublishedMessageMatcher("uri", _value_matcher(match))


def _value_matcher(match: Any) -> Matcher:
    """None means "is not None"; a plain value means "equal to"; a matcher stays itself."""
    return not_none() if match is None else wrap_matcher(match)
