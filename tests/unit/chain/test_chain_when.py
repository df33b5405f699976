"""Tests for if/else with microcosm_pubsub.chain.statements.when."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, when
from microcosm_pubsub.chain.statements.when import WhenStatement


def const(value):
    """Return a link that ignores the context and returns `value`."""
    return lambda: value


def test_then_and_otherwise():
    """Truthy values run then and falsy ones otherwise, with chains or bare functions."""
    statements = (
        when("k").then(Chain(const(1))).otherwise(Chain(const(2))),
        when("k").then(const(1)).otherwise(const(2)),
    )
    for statement in statements:
        assert (Chain(statement)(k=True), Chain(statement)(k=False)) == (1, 2)


def test_no_branches():
    """Without branches the statement returns None for any value."""
    assert (Chain(when("k"))(k=True), Chain(when("k"))(k=[])) == (None, None)


def test_single_branch():
    """A missing branch or an empty one gives None."""
    assert Chain(when("k").then(const(1)))(k=0) is None
    assert Chain(when("k").then(links=[]).otherwise(const(2)))(k=1) is None


def test_missing_key():
    """A missing key raises a plain KeyError."""
    assert_that(calling(Chain(when("k"))), raises(KeyError))


def test_empty_branch_refused():
    """then() with nothing raises ValueError at build time."""
    assert_that(calling(when("k").then), raises(ValueError))


def test_builders_and_str():
    """Builders mutate and return the statement; str names the key."""
    statement = when("k")
    assert isinstance(statement, WhenStatement)
    assert statement.then(const(1)).otherwise(const(2)) is statement
    assert str(statement) == "when_k"
