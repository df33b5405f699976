"""Tests for running links with microcosm_pubsub.chain.chain.Chain."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, binds, extracts, switch
from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.context_decorators import DEFAULT_ASSIGNED, get_from_context
from microcosm_pubsub.chain.exceptions import ContextKeyNotFound


def test_returns_last_result():
    """A chain returns the result of its last link."""
    assert Chain(lambda: 1, lambda: 2)() == 2


def test_empty_chain():
    """An empty chain is falsy and returns None."""
    assert not Chain()
    assert len(Chain(lambda: 1)) == 1
    assert Chain()() is None


def test_reads_kwargs():
    """Keyword arguments become context keys for the links."""
    assert Chain(lambda x: x)(x=7) == 7


def test_context_parameter():
    """A link taking `context` receives the context and can read keys as attributes."""
    assert Chain(lambda context: context.x)(x=7) == 7


def test_extracted_value_feeds_next_link():
    """A value extracted by one link is read by the next."""
    assert Chain(extracts("x")(lambda: 3), lambda x: x * 2)() == 6


def test_nested_chain_shares_context():
    """A nested chain reads what the outer chain extracted."""
    assert Chain(extracts("x")(lambda: 3), Chain(lambda x: x * 2))() == 6


def test_nested_chain_writes_reach_empty_outer_context():
    """A nested chain started on an empty context writes into it (only None creates one)."""
    nested = Chain(extracts("x")(lambda: 1))
    assert Chain(nested, lambda x: x)() == 1
    assert Chain(nested, lambda x: x)(unrelated=0) == 1


def test_given_empty_context_is_used():
    """An empty context passed in is mutated in place."""
    ctx = SafeContext()
    Chain(extracts("x")(lambda: 1))(ctx)
    assert ctx.store == {"x": 1}


def test_instance_method_and_binds():
    """A marked callable instance, a bound marked method under binds, and a reader combine."""
    class Three:
        def __call__(self):
            return 3

    class Doubler:
        @extracts("r")
        def double(self, q):
            return q * 2

    producer = extracts("p")(Three)()
    chain = Chain(producer, binds(p="q")(Doubler().double), lambda r: r)
    assert chain() == 6


def test_caller_sees_writes():
    """The given context holds every key written during the run."""
    ctx = SafeContext(a=1)
    Chain(extracts("b")(lambda a: a + 1))(ctx, c=3)
    assert ctx.store == {"a": 1, "c": 3, "b": 2}


def test_fresh_context_per_run():
    """Each run without a context starts fresh, so a chain can run repeatedly."""
    chain = Chain(extracts("x")(lambda v: v), lambda x: x)
    assert (chain(v=1), chain(v=2)) == (1, 2)


def test_kwarg_clashes_with_context_key():
    """A kwarg that is already a key of the given context raises ValueError."""
    assert_that(calling(Chain()).with_args(SafeContext(a=1), a=2), raises(ValueError))


def test_extracting_an_existing_key():
    """A link extracting a key given as kwarg raises ValueError."""
    chain = Chain(extracts("a")(lambda: 2))
    assert_that(calling(chain).with_args(a=1), raises(ValueError, "Key 'a' already set"))


def test_single_extract_last_link_returns_list():
    """A last link with one extracts name returns [value]; with several, the raw value."""
    assert Chain(extracts("x")(lambda: 1))() == [1]
    assert Chain(extracts("x", "y")(lambda: (1, 2)))() == (1, 2)


def test_extract_by_func_name_in_chain():
    """An unmarked extract_<key> link stores its result for later links."""
    def extract_total(a, b):
        return a + b

    assert Chain(extract_total, lambda total: total * 10)(a=1, b=2) == 30


def test_missing_key_in_chain():
    """A link needing an unknown key raises ContextKeyNotFound."""
    assert_that(calling(Chain(lambda nope: nope)), raises(ContextKeyNotFound, "`nope`"))


def test_links_are_decorated_lazily():
    """A non-callable link fails only when reached, after earlier links have written."""
    ctx = SafeContext()
    chain = Chain(extracts("done")(lambda: True), 42)
    assert_that(calling(chain).with_args(ctx), raises(TypeError))
    assert ctx.store == {"done": True}


def test_forgotten_then_fails_at_run_time():
    """A switch case left without then fails with TypeError when the chain reaches it."""
    assert_that(calling(Chain(switch("k").case(1))).with_args(k=1), raises(TypeError))


def test_nested_chain_on_plain_dict_starts_fresh():
    """A nested chain decorated against a plain dict without "context" gets None."""
    nested = Chain(lambda context: context)
    assert isinstance(get_from_context({}, nested)(), SafeContext)


def test_extension_points():
    """The decorators, assigned markers and context type are overridable properties."""
    class Recording(SafeContext):
        pass

    class Custom(Chain):
        @property
        def new_context_type(self):
            return Recording

    chain = Custom(lambda context: type(context))
    assert chain() is Recording
    assert chain.context_decorators_assigned == DEFAULT_ASSIGNED
    assert len(chain.context_decorators) == 4


def test_apply_decorators_returns_outermost_wrapper():
    """apply_decorators wraps a link so it can be called with no arguments."""
    ctx = SafeContext(a=1)
    wrapped = Chain().apply_decorators(ctx, extracts("b")(lambda a: a + 1))
    assert wrapped() == [2]
    assert ctx["b"] == 2


def test_make_variants():
    """make returns `chain` as is, or builds from `links` or positional args."""
    def func():
        return 1

    assert Chain.make(chain=func) is func
    assert Chain.make(func, chain=func, links=[]) is func
    from_links = Chain.make(links=[])
    assert isinstance(from_links, Chain) and not from_links
    assert Chain.make(func).links == [func]
    assert Chain.make(func, unknown=1).links == [func]


def test_make_requires_a_body():
    """make with nothing to build from raises ValueError."""
    assert_that(
        calling(Chain.make).with_args(unknown=1),
        raises(ValueError, "Must define one of 'chain', 'links', or '\\*args'"),
    )
