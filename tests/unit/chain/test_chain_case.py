"""Tests for pending cases of microcosm_pubsub.chain.statements.case."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain
from microcosm_pubsub.chain.statements.case import CaseStatement
from microcosm_pubsub.chain.statements.switch import SwitchStatement


def test_then_registers_and_returns_the_statement():
    """then adds the branch to its statement and returns the statement."""
    statement = SwitchStatement("k")
    pending = CaseStatement(statement, "v")
    assert (pending.statement, pending.value) == (statement, "v")
    assert pending.then(lambda: 1) is statement
    value, branch = statement.cases[0]
    assert value == "v"
    assert isinstance(branch, Chain)


def test_then_accepts_links_and_chain():
    """then builds its branch from links= or takes chain= as is."""
    statement = SwitchStatement("k")
    body = Chain()
    CaseStatement(statement, 1).then(chain=body)
    CaseStatement(statement, 2).then(links=[])
    assert statement.cases[0][1] is body
    assert statement.cases[1][1].links == []


def test_pending_case_is_not_callable():
    """A case without then is not callable."""
    assert_that(calling(CaseStatement(SwitchStatement("k"), 1)), raises(TypeError))
