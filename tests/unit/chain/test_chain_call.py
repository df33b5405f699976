"""Tests for local calls with microcosm_pubsub.chain.statements.call."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, call, extracts
from microcosm_pubsub.chain.context import SafeContext, ScopedSafeContext
from microcosm_pubsub.chain.statements.call import LocalCallWrapper


def twice(n):
    """Double a number."""
    return n * 2


def add(base, inc):
    """Add an increment to a base."""
    return base + inc


def test_same_function_twice_with_different_bindings():
    """One function runs twice on different keys and both results feed a third link."""
    chain = Chain(
        call(twice).with_args(n="p").as_("a"),
        call(twice).with_args(n="q").as_("b"),
        lambda a, b: a * b,
    )
    assert chain(p=2, q=5) == 40


def test_constant_argument_and_parent_key():
    """A non-string value is passed as a constant; other parameters come from the outer context."""
    assert Chain(call(add).with_args(inc=3).as_("out"), lambda out: out)(base=4) == 7


def test_string_that_is_not_a_key_is_a_constant():
    """A string naming no key is passed literally."""
    def join(w, tail):
        return w + tail

    assert Chain(call(join).with_args(tail="ed").as_("out"))(w="walk") == "walked"


def test_string_naming_a_key_is_looked_up():
    """A string naming a key passes that key's value."""
    assert Chain(call(add).with_args(inc="three").as_("out"))(base=4, three=3) == 7


def test_context_mapping_passes_whole_context():
    """Mapping to "context" passes the outer context itself."""
    ctx = SafeContext()
    Chain(call(lambda whole: whole).with_args(whole="context").as_("out"))(ctx)
    assert ctx["out"] is ctx


def test_local_name_shadowing_a_key_is_refused():
    """A local name that is already a context key raises ValueError before the function runs."""
    ran = []
    statement = call(lambda n: ran.append(n)).with_args(n="other").as_("out")
    assert_that(
        calling(Chain(statement)).with_args(n=1, other=2),
        raises(ValueError, "Argument `n` for local call overshadows existing context key"),
    )
    assert ran == []


def test_extracted_keys_stay_in_the_scope():
    """Keys extracted by the function are discarded; the single-extract result is a list."""
    @extracts("inner")
    def marked_twice(n):
        return n * 2

    ctx = SafeContext(n=2)
    statement = call(marked_twice).as_("out")
    assert Chain(statement)(ctx) == [4]
    assert ctx.store == {"n": 2, "out": [4]}


def test_result_key_rules():
    """The result goes to the outer context; an existing key raises and no as_ means None."""
    assert_that(calling(Chain(call(twice).as_("n"))).with_args(n=1), raises(ValueError))
    ctx = SafeContext(n=1)
    Chain(call(twice))(ctx)
    assert ctx[None] == 2


def test_runs_on_an_empty_outer_context():
    """A local call on an empty context still writes its result there."""
    ctx = SafeContext()
    Chain(call(lambda: 1).as_("out"))(ctx)
    assert ctx.store == {"out": 1}


def test_builder_state():
    """The wrapper exposes its parts, replaces mappings and keeps its last scope."""
    wrapper = call(twice)
    assert isinstance(wrapper, LocalCallWrapper)
    assert (wrapper.func, wrapper.chain.links) == (twice, [twice])
    assert (wrapper.kwargs, wrapper.result_name, wrapper.local_context) == ({}, None, None)
    assert wrapper.with_args(n=1).with_args(x=2) is wrapper
    assert wrapper.kwargs == {"x": 2}
    wrapper.with_args(n=3).as_("out")(SafeContext())
    assert isinstance(wrapper.local_context, ScopedSafeContext)
    assert wrapper.local_context.store == {"n": 3}
