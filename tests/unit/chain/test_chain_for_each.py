"""Tests for loops with microcosm_pubsub.chain.statements.for_each."""
from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, extracts, for_each
from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.statements.for_each import ForEachStatement, not_none, yes


def test_default_list_key():
    """Results land under <key>_list for later links."""
    loop = for_each("name").in_("names").do(Chain(lambda name: name.upper()))
    assert Chain(loop, lambda name_list: name_list)(names=["x", "y"]) == ["X", "Y"]


def test_bare_function_body_and_as():
    """A bare function works as the body and as_ renames the list key."""
    loop = for_each("name").in_("names").do(lambda name: name.upper()).as_("out")
    ctx = SafeContext(names=["x", "y"])
    assert Chain(loop)(ctx) == ["X", "Y"]
    assert ctx["out"] == ["X", "Y"]


def test_when_not_none():
    """when_not_none keeps the results that are not None, after running every item."""
    seen = []

    def evens(num):
        seen.append(num)
        return num if num % 2 == 0 else None

    loop = for_each("num").in_("nums").do(evens).when_not_none()
    assert Chain(loop)(nums=list(range(6))) == [0, 2, 4]
    assert seen == list(range(6))


def test_custom_and_none_predicates():
    """A custom predicate filters results; None keeps the truthy ones."""
    body = lambda num: num  # noqa: E731
    assert Chain(for_each("num").in_("nums").do(body).when(lambda v: v > 1))(nums=[0, 1, 2]) == [2]
    assert Chain(for_each("num").in_("nums").do(body).when(None))(nums=[0, 1, 2]) == [1, 2]


def test_any_iterable():
    """A dict yields its keys and a generator is consumed."""
    loop = for_each("item").in_("items").do(lambda item: item)
    assert Chain(loop)(items={"a": 1}) == ["a"]
    assert Chain(loop)(items=(n for n in range(2))) == [0, 1]


def test_scopes_per_iteration():
    """Each iteration may extract the same key and parent keys stay readable and unchanged."""
    ctx = SafeContext(factor=10, items=[1, 2])
    body = Chain(extracts("scaled")(lambda item, factor: item * factor), lambda scaled: scaled)
    assert Chain(for_each("item").in_("items").do(body))(ctx) == [10, 20]
    assert set(ctx) == {"factor", "items", "item_list"}


def test_loop_variable_shadows_parent_key():
    """A loop variable with the name of a parent key silently shadows it."""
    loop = for_each("item").in_("items").do(lambda item: item)
    assert Chain(loop)(item="outer", items=[1]) == [1]


def test_body_writing_parent_key_is_refused():
    """A body extracting a key set in the enclosing context raises ValueError."""
    loop = for_each("item").in_("items").do(extracts("taken")(lambda item: item))
    assert_that(calling(Chain(loop)).with_args(taken=0, items=[1]), raises(ValueError))


def test_nested_loops():
    """An inner loop's list key lives in the outer iteration's scope."""
    inner = for_each("col").in_("cols").do(lambda row, col: f"{row}{col}")
    outer = for_each("row").in_("rows").do(Chain(inner, lambda col_list: col_list))
    assert Chain(outer)(rows=["a", "b"], cols=[1, 2]) == [["a1", "a2"], ["b1", "b2"]]


def test_list_key_conflict():
    """Two loops with the same list key conflict."""
    loop = for_each("item").in_("items").do(lambda item: item)
    assert_that(calling(Chain(loop, loop)).with_args(items=[1]), raises(ValueError))


def test_missing_pieces():
    """Without in_ the run raises KeyError; without do it raises TypeError."""
    assert_that(calling(Chain(for_each("item").do(lambda item: item))), raises(KeyError))
    assert_that(calling(Chain(for_each("item").in_("items"))).with_args(items=[1]), raises(TypeError))


def test_builder_and_helpers():
    """Builders mutate and return the statement; yes and not_none filter as named."""
    loop = ForEachStatement("item", list_key="custom")
    assert loop.list_key == "custom"
    assert loop.in_("a").as_("b").when(yes) is loop
    assert (loop.items_key, loop.list_key, loop.predicate) == ("a", "b", yes)
    assert str(loop) == "for_item"
    assert yes(None) and not_none(0) and not not_none(None)
