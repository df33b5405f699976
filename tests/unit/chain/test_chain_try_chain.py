"""Tests for exception handling with microcosm_pubsub.chain.statements.try_chain."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, extracts, try_chain
from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.exceptions import ContextKeyNotFound
from microcosm_pubsub.chain.statements.case import CaseStatement
from microcosm_pubsub.chain.statements.switch import SwitchStatement
from microcosm_pubsub.chain.statements.try_chain import TryChainStatement


def raise_given(error):
    """Raise the exception class found in the context, or return 0 for None."""
    if error is None:
        return 0
    raise error()


def const(value):
    """Return a link that ignores the context and returns `value`."""
    return lambda: value


def test_catch_in_both_forms():
    """Handlers registered either way run for their exact exception type."""
    statements = (
        try_chain(raise_given).catch(ValueError, Chain(const(1))).catch(KeyError, Chain(const(2))),
        try_chain(raise_given).catch(ValueError).then(const(1)).catch(KeyError).then(const(2)),
    )
    for statement in statements:
        assert Chain(statement)(error=None) == 0
        assert Chain(statement)(error=ValueError) == 1
        assert Chain(statement)(error=KeyError) == 2
        assert_that(calling(Chain(statement)).with_args(error=ArithmeticError), raises(ArithmeticError))


def test_otherwise_replaces_success_result():
    """otherwise runs after a successful body and its result wins."""
    for otherwise in (Chain(const(9)), const(9)):
        assert Chain(try_chain(const(0)).otherwise(otherwise))() == 9


def test_multi_link_body():
    """A failure in any link of the body is handled; otherwise runs only on success."""
    def first(error):
        if error is ValueError:
            raise ValueError()

    def second(error):
        if error is ArithmeticError:
            raise ArithmeticError()

    statement = (
        try_chain(first, second)
        .catch(ValueError, const(1))
        .catch(ArithmeticError, const(2))
        .otherwise(Chain(const(9)))
    )
    assert [Chain(statement)(error=e) for e in (ValueError, ArithmeticError, None)] == [1, 2, 9]


def test_subclasses_do_not_match():
    """A handler for LookupError does not catch KeyError."""
    statement = try_chain(raise_given).catch(LookupError, const(1))
    assert_that(calling(Chain(statement)).with_args(error=KeyError), raises(KeyError))


def test_empty_handler_reraises():
    """A handler with an empty chain re-raises the original exception."""
    statement = try_chain(raise_given).catch(ValueError, links=[])
    assert_that(calling(Chain(statement)).with_args(error=ValueError), raises(ValueError))


def test_handler_error_propagates():
    """An exception raised by a handler propagates."""
    statement = try_chain(raise_given).catch(ValueError, lambda: raise_given(KeyError))
    assert_that(calling(Chain(statement)).with_args(error=ValueError), raises(KeyError))


def test_base_exceptions_are_not_caught():
    """KeyboardInterrupt passes through even with a handler for it."""
    statement = try_chain(raise_given).catch(KeyboardInterrupt, const(1))
    assert_that(calling(Chain(statement)).with_args(error=KeyboardInterrupt), raises(KeyboardInterrupt))


def test_writes_before_failure_are_visible_to_handler():
    """Keys written by the body before it failed are visible to the handler."""
    body = Chain(extracts("partial")(const(5)), lambda: raise_given(ValueError))
    statement = try_chain(chain=body).catch(ValueError, lambda partial: partial)
    assert Chain(statement)(SafeContext()) == 5


def test_catch_context_key_not_found():
    """ContextKeyNotFound is caught by registering exactly that type."""
    statement = try_chain(lambda missing: missing).catch(ContextKeyNotFound, const("caught"))
    assert Chain(statement)() == "caught"


def test_body_is_required():
    """try_chain without a body raises ValueError."""
    assert_that(calling(try_chain), raises(ValueError))


def test_builders_and_str():
    """catch without a body returns a CaseStatement, case is an alias and str shows the body."""
    statement = try_chain(links=[const(0)])
    assert isinstance(statement, TryChainStatement) and isinstance(statement, SwitchStatement)
    assert isinstance(statement.catch(ValueError), CaseStatement)
    assert statement.case(KeyError, const(2)) is statement
    assert str(statement) == f"switch_{statement.body!r}"
