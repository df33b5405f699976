"""Tests for the write-once contexts of microcosm_pubsub.chain.context."""
import copy
import pickle

from hamcrest import assert_that, calling, contains_exactly, equal_to, is_, raises

from microcosm_pubsub.chain.context import CONTEXT, SafeContext, ScopedSafeContext
from microcosm_pubsub.chain.exceptions import MissingContextAttribute


def test_context_key_constant():
    """The self-reference key is the string "context"."""
    assert CONTEXT == "context"


def test_item_and_attribute_read_after_write():
    """A written key reads back by item and by attribute, and cannot be updated again."""
    ctx = SafeContext()
    ctx["x"] = 1
    assert ctx["x"] == 1
    assert ctx.x == 1
    assert_that(calling(ctx.update).with_args(x=2), raises(ValueError, "Key 'x' already set"))


def test_constructor_builds_like_dict():
    """The constructor takes the same arguments as dict() and stores them without checks."""
    ctx = SafeContext([("a", 1)], b=2)
    assert ctx.store == {"a": 1, "b": 2}


def test_context_key_reads_the_context_itself():
    """Reading "context" by item or attribute returns the context object."""
    ctx = SafeContext(a=1)
    assert ctx["context"] is ctx
    assert ctx.context is ctx
    assert "context" in ctx


def test_missing_key_raises_key_error():
    """A missing item raises KeyError naming the key."""
    ctx = SafeContext()
    assert_that(calling(ctx.__getitem__).with_args("nope"), raises(KeyError, "nope"))


def test_missing_attribute_is_both_key_and_attribute_error():
    """A missing attribute raises an error that both `except KeyError` and `hasattr` understand."""
    ctx = SafeContext()
    assert_that(calling(getattr).with_args(ctx, "nope"), raises(MissingContextAttribute))
    assert_that(calling(getattr).with_args(ctx, "nope"), raises(KeyError))
    assert not hasattr(ctx, "nope")
    assert getattr(ctx, "nope", "fallback") == "fallback"


def test_underscore_attributes_are_not_keys():
    """Underscore names raise a plain AttributeError even when stored as keys."""
    ctx = SafeContext(_private=1)
    assert ctx["_private"] == 1
    assert not hasattr(ctx, "_private")
    assert not hasattr(ctx, "__setstate__")


def test_real_attributes_win_over_keys():
    """Methods such as `keys` shadow keys of the same name for attribute access."""
    ctx = SafeContext(keys="value")
    assert callable(ctx.keys)
    assert ctx["keys"] == "value"


def test_copy_and_pickle_round_trip():
    """copy.copy, copy.deepcopy and pickle work on a context."""
    ctx = SafeContext(a=[1])
    assert copy.copy(ctx).store == {"a": [1]}
    assert copy.deepcopy(ctx).store == {"a": [1]}
    assert pickle.loads(pickle.dumps(ctx)).store == {"a": [1]}


def test_writing_context_key_is_refused():
    """Writing or assigning "context" raises ValueError."""
    ctx = SafeContext()
    message = "May not reassign 'context' key"
    assert_that(calling(ctx.__setitem__).with_args("context", 1), raises(ValueError, message))
    assert_that(calling(ctx.assign).with_args("context", 1), raises(ValueError, message))


def test_assign_overwrites_and_chains():
    """assign overwrites an existing key and returns the context."""
    ctx = SafeContext(a=1)
    assert ctx.assign("a", 2).assign("b", 3) is ctx
    assert ctx.store == {"a": 2, "b": 3}


def test_delete():
    """del removes a stored key; a missing key or "context" raises KeyError."""
    ctx = SafeContext(a=1)
    del ctx["a"]
    assert ctx.store == {}
    assert_that(calling(ctx.__delitem__).with_args("a"), raises(KeyError))
    assert_that(calling(ctx.__delitem__).with_args("context"), raises(KeyError))


def test_iteration_covers_stored_keys_only():
    """Iteration, len and items leave "context" out, so an empty context is falsy."""
    ctx = SafeContext(a=1, b=2)
    assert list(ctx) == ["a", "b"]
    assert len(ctx) == 2
    assert list(ctx.items()) == [("a", 1), ("b", 2)]
    assert not SafeContext()


def test_mapping_helpers():
    """get, setdefault, pop, equality and partial update follow the write-once rules."""
    ctx = SafeContext(a=1)
    assert ctx.get("a", 5) == 1
    assert ctx.get("b", 5) == 5
    assert ctx.setdefault("a", 9) == 1
    assert ctx == {"a": 1}
    assert_that(calling(ctx.update).with_args([("c", 3), ("a", 2)]), raises(ValueError))
    assert ctx == {"a": 1, "c": 3}
    assert ctx.pop("c") == 3
    ctx.clear()
    assert ctx == {}


def test_get_prefers_present_none():
    """get returns a stored None rather than the default."""
    assert SafeContext(a=None).get("a", 5) is None


def test_context_entry_given_to_constructor_is_listed_but_reads_self():
    """A "context" entry passed at construction is iterated, yet reading it returns the context."""
    ctx = SafeContext(context=1)
    assert list(ctx) == ["context"]
    assert ctx["context"] is ctx


def test_local_returns_a_scope():
    """local() opens a scope whose parent is the context."""
    ctx = SafeContext()
    scope = ctx.local(a=1)
    assert isinstance(scope, ScopedSafeContext)
    assert scope.parent is ctx
    assert scope.store == {"a": 1}


def test_scope_reads_through_and_keeps_own_writes():
    """A scope reads parent keys, lists own keys first and refuses to rewrite any visible key."""
    parent = SafeContext(x=1)
    scope = parent.local()
    assert scope["x"] == 1
    assert scope.x == 1
    assert_that(calling(scope.update).with_args(x=2), raises(ValueError))

    scope["y"] = 5
    assert scope["y"] == 5
    assert scope.y == 5
    assert_that(calling(scope.update).with_args(y=6), raises(ValueError))
    assert len(scope) == 2
    assert list(scope) == ["y", "x"]
    assert "y" not in parent


def test_scope_context_key_reads_the_scope():
    """Reading "context" in a scope returns the scope, and writing it reports "already set"."""
    scope = SafeContext().local()
    assert scope["context"] is scope
    assert_that(calling(scope.__setitem__).with_args("context", 1), raises(ValueError, "already set"))


def test_scope_may_shadow_through_constructor_and_assign():
    """Construction and assign write to the scope without checks, shadowing parent keys."""
    parent = SafeContext(x=1, y=2)
    scope = parent.local(x=10)
    scope.assign("y", 20)
    assert scope["x"] == 10
    assert scope["y"] == 20
    assert parent.store == {"x": 1, "y": 2}
    assert list(scope) == ["x", "y", "x", "y"]


def test_scope_delete_touches_own_store_only():
    """Deleting a key that lives only in the parent raises KeyError."""
    parent = SafeContext(x=1)
    scope = parent.local(y=2)
    del scope["y"]
    assert_that(calling(scope.__delitem__).with_args("x"), raises(KeyError))
    assert parent["x"] == 1


def test_nested_scopes():
    """Scopes nest and read through every level."""
    inner = SafeContext(a=1).local(b=2).local(c=3)
    assert (inner["a"], inner["b"], inner["c"]) == (1, 2, 3)
    assert_that(list(inner), contains_exactly("c", "b", "a"))
    assert_that(calling(inner.__getitem__).with_args("d"), raises(KeyError))


def test_scope_pickles():
    """A scope survives copy and pickle with its parent."""
    scope = SafeContext(a=1).local(b=2)
    restored = pickle.loads(pickle.dumps(scope))
    assert_that(restored["a"], is_(equal_to(1)))
    assert copy.copy(scope)["b"] == 2


def test_repr_shows_store():
    """repr names the class and the stored keys."""
    assert repr(SafeContext(a=1)) == "SafeContext({'a': 1})"
