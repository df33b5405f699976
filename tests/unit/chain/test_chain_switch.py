"""Tests for multi-way branches with microcosm_pubsub.chain.statements.switch."""
import math

from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, extracts, switch
from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.statements.case import CaseStatement
from microcosm_pubsub.chain.statements.switch import SwitchStatement


def const(value):
    """Return a link that ignores the context and returns `value`."""
    return lambda: value


def boolean_switches():
    """The same switch built with case(v, Chain(...)) and with case(v).then(fn)."""
    return (
        switch("k").case(True, Chain(const(1))).case(False, Chain(const(2))).otherwise(Chain(const(3))),
        switch("k").case(True).then(const(1)).case(False).then(const(2)).otherwise(const(3)),
    )


def test_boolean_cases_in_both_forms():
    """True, False and an unmatched value pick their branches in either form."""
    for statement in boolean_switches():
        assert [Chain(statement)(k=k) for k in (True, False, None)] == [1, 2, 3]


def test_no_cases():
    """A switch without cases returns None."""
    assert Chain(switch("k"))(k=None) is None


def test_unhashable_values():
    """Cases compare by equality, so unhashable values work."""
    statement = switch("k").case(None, const(1)).case([], const(2)).otherwise(const(3))
    assert [Chain(statement)(k=k) for k in ([], None, [1])] == [2, 1, 3]


def test_equality_semantics():
    """1 matches True, NaN never matches and the first duplicate wins."""
    statement = switch("k").case(True, const("true")).case(1, const("one")).otherwise(const("other"))
    assert Chain(statement)(k=1) == "true"
    assert Chain(switch("k").case(math.nan, const(1)))(k=math.nan) is None


def test_empty_matching_branch_does_not_fall_through():
    """A matching case with an empty chain returns None instead of running otherwise."""
    statement = switch("k").case(1, links=[]).otherwise(const(3))
    assert Chain(statement)(k=1) is None


def test_branches_share_the_context():
    """A branch writes into the same context."""
    ctx = SafeContext(k=1)
    Chain(switch("k").case(1, extracts("out")(const(5))))(ctx)
    assert ctx["out"] == 5


def test_missing_key():
    """A missing switch key raises a plain KeyError."""
    assert_that(calling(Chain(switch("k"))), raises(KeyError))


def test_empty_branches_are_refused():
    """then(), otherwise() or an unknown keyword alone raise ValueError at build time."""
    assert_that(calling(switch("k").case(1).then), raises(ValueError))
    assert_that(calling(switch("k").otherwise), raises(ValueError))
    assert_that(calling(switch("k").case).with_args(1, unknown=True), raises(ValueError))


def test_builders():
    """case without a body returns a CaseStatement; the rest mutate and return the switch."""
    statement = switch("k")
    assert isinstance(statement, SwitchStatement)
    pending = statement.case(1)
    assert isinstance(pending, CaseStatement) and statement.cases == []
    assert pending.then(const(1)) is statement
    assert statement.otherwise(const(2)).otherwise(const(3)) is statement
    assert Chain(statement)(k=0) == 3
    assert str(statement) == "switch_k"


def test_otherwise_with_chain_keyword():
    """otherwise(chain=...) uses any callable as is."""
    assert Chain(switch("k").otherwise(chain=lambda context: context["k"] * 2))(k=4) == 8
