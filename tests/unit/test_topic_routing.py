"""
Topic routing precedence: an exact mapping, then a `prefix.*` mapping, then the default topic.

"""
from microcosm_pubsub.topics import TopicArns


def make_topics():
    topics = TopicArns("arn:default", excluded_from_default=("a.batch",))
    topics.update({"a.b.exact": "arn:exact", "a.b.*": "arn:wildcard"})
    return topics


def test_exact_mapping_wins_over_the_wildcard():
    """A media type mapped exactly uses its own topic even when a wildcard also matches."""
    assert make_topics()["a.b.exact"] == "arn:exact"


def test_wildcard_mapping_wins_over_the_default():
    """`a.b.*` routes `a.b.other`, but not `a.b.c.d` (one segment only), which gets the default."""
    topics = make_topics()

    assert topics["a.b.other"] == "arn:wildcard"
    assert topics["a.b.c.d"] == "arn:default"


def test_excluded_types_never_fall_back_to_the_default():
    """The batch media type must be routed on purpose: no default, so `get` gives None."""
    assert make_topics().get("a.batch") is None
