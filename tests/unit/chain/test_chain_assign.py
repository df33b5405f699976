"""Tests for the assignment statements of microcosm_pubsub.chain.statements.assign."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, assign, assign_constant, assign_function, extract
from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.context_decorators import get_from_context
from microcosm_pubsub.chain.exceptions import AttributeNotFound, ContextKeyNotFound
from microcosm_pubsub.chain.statements.assign import AssignStatement, Constant, Function, Reference


def read_dst(dst):
    """Return the assigned key."""
    return dst


def test_extract_then_read():
    """extract copies a key under a new name for later links."""
    assert Chain(extract("dst", "src"), read_dst)(src="value") == "value"


def test_statement_returns_assigned_value():
    """The statement on its own returns the value it assigned."""
    assert Chain(extract("dst", "src"))(src="value") == "value"


def test_item_paths():
    """extract with a property, a dotted extract and assign().to() all read dict items."""
    for statement in (extract("dst", "src", "k"), extract("dst", "src.k"), assign("src.k").to("dst")):
        assert Chain(statement, read_dst)(src={"k": 5}) == 5


def test_attribute_paths():
    """Paths reach attributes such as __class__."""
    statements = (
        extract("dst", "src", "__class__"),
        extract("dst", "src.__class__"),
        assign("src.__class__").to("dst"),
    )
    for statement in statements:
        assert Chain(statement, read_dst)(src={}) is dict


def test_attribute_wins_over_item():
    """A dict field named like a dict method yields the method, not the field."""
    src = {"items": [1]}
    assert Chain(assign("src.items").to("dst"))(src=src) == src.items


def test_deep_path():
    """Each part of a longer path is resolved in turn."""
    assert Chain(assign("src.a.b").to("dst"))(src={"a": {"b": 2}}) == 2


def test_missing_part():
    """A missing part raises AttributeNotFound naming the root key."""
    assert_that(
        calling(Chain(assign("src.nope").to("dst"))).with_args(src={"k": 5}),
        raises(AttributeNotFound, "Failed to find attribute `nope` on `src`"),
    )
    assert_that(
        calling(Chain(assign("src.a.nope").to("dst"))).with_args(src={"a": {}}),
        raises(AttributeNotFound, "on `src`"),
    )


def test_missing_root_key():
    """A missing root key raises a plain KeyError."""
    assert_that(calling(Chain(assign("src").to("dst"))), raises(KeyError))


def test_other_lookup_failures_propagate():
    """Values without item access raise their own errors."""
    assert_that(calling(Chain(assign("src.k").to("dst"))).with_args(src=None), raises(TypeError))
    assert_that(calling(Chain(assign("src.0").to("dst"))).with_args(src=[1]), raises(TypeError))


def test_assign_constant():
    """A constant is assigned as is, the same object on every run."""
    value = []
    statement = assign_constant(value).to("dst")
    assert Chain(statement, read_dst)() is value
    assert Chain(statement, read_dst)() is value


def test_assign_function_calling_conventions():
    """A function gets the context when it takes a positional parameter and nothing otherwise."""
    def with_context(context):
        return context["n"]

    def with_default(context=None):
        return context["n"]

    def without_parameters():
        return 2

    assert Chain(assign_function(with_context).to("dst"), read_dst)(n=1) == 1
    assert Chain(assign_function(with_default).to("dst"), read_dst)(n=1) == 1
    assert Chain(assign_function(without_parameters).to("dst"), read_dst)() == 2
    assert Chain(assign_function(dict).to("dst"), read_dst)() == {}


def test_assign_function_bound_method_with_only_self():
    """A bound method without other parameters is called without the context."""
    class Source:
        def value(self):
            return 3

    assert Function(Source().value).args == []
    assert Chain(assign_function(Source().value).to("dst"))() == 3


def test_assign_function_bound_method_with_context():
    """A bound method taking one parameter receives the context."""
    class Source:
        def value(self, context):
            return context["n"]

    assert Chain(assign_function(Source().value).to("dst"))(n=4) == 4


def test_assign_function_keyword_only_context_is_not_counted():
    """A keyword-only context parameter is not counted, so the call fails."""
    def needs(*, context):
        return context

    assert_that(calling(Chain(assign_function(needs).to("dst"))), raises(TypeError))


def test_target_key_rules():
    """Assigning to an existing key or to "context" raises ValueError."""
    assert_that(calling(Chain(assign_constant(1).to("a"))).with_args(a=0), raises(ValueError))
    assert_that(calling(Chain(assign_constant(1).to("context"))), raises(ValueError))


def test_without_target_stores_under_none():
    """Without to() the value lands under the key None."""
    ctx = SafeContext()
    Chain(assign_constant(1))(ctx)
    assert ctx.store == {None: 1}


def test_builders_and_str():
    """to() sets the name, mutates and returns the statement; str names the target."""
    statement = AssignStatement(Constant(1))
    assert statement.to("a") is statement
    assert statement.to("b").name == "b"
    assert str(statement) == "assign_b"


def test_str_in_missing_key_message():
    """A statement run on a plain dict reports its str in ContextKeyNotFound."""
    wrapped = get_from_context({}, assign("src").to("dst"))
    assert_that(calling(wrapped), raises(ContextKeyNotFound, "of `assign_dst`"))


def test_reference_splits_path():
    """A reference keeps the root key and the later parts."""
    reference = Reference("a.b.c")
    assert (reference.root, reference.parts) == ("a", ["b", "c"])
