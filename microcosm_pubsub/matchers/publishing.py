"""
Matchers of what a producer published: `published`, `published_inanyorder`, `published_nothing`.

Each takes the producer itself (`assert_that(graph.sns_producer, published(...))`) and matches
the list of its `PublishedMessage`s, so a failure shows every message that was sent.

"""
from typing import Any

from hamcrest import contains_exactly, contains_inanyorder
from hamcrest.core.base_matcher import BaseMatcher
from hamcrest.core.description import Description
from hamcrest.core.matcher import Matcher

from microcosm_pubsub.matchers.message import PublishedMessage


def published_messages_for(producer: Any) -> list[PublishedMessage]:
    """The messages a mocked producer (or a producer with a mocked SNS client) published."""
    return PublishedMessage.iter_from_sns_producer(producer)


class PublishingMatcher(BaseMatcher):
    """Match a producer by matching the list of messages it published."""

    def __init__(self, messages_matcher: Matcher):
        self.messages_matcher = messages_matcher

    def _matches(self, producer: Any) -> bool:
        return self.messages_matcher.matches(published_messages_for(producer))

    def describe_to(self, description: Description) -> None:
        description.append_text("a producer that published ")
        description.append_description_of(self.messages_matcher)

    def describe_mismatch(self, producer: Any, mismatch_description: Description) -> None:
        messages = published_messages_for(producer)
        self.messages_matcher.describe_mismatch(messages, mismatch_description)
        mismatch_description.append_text("\n     published: ")
        mismatch_description.append_description_of(messages)


def published(*matchers: Any, strict: bool = True) -> PublishingMatcher:
    """Exactly these messages, in this order (`strict` is accepted for compatibility only)."""
    return PublishingMatcher(contains_exactly(*matchers))


def published_inanyorder(*matchers: Any, strict: bool = True) -> PublishingMatcher:
    """Exactly these messages, in any order (`strict` is accepted for compatibility only)."""
    return PublishingMatcher(contains_inanyorder(*matchers))


def published_nothing(*matchers: Any) -> PublishingMatcher:
    """No message at all (arguments are accepted for compatibility and ignored)."""
    return PublishingMatcher(contains_exactly())
