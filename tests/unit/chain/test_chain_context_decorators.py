"""Tests for the link wrappers of microcosm_pubsub.chain.context_decorators."""
import inspect

from hamcrest import assert_that, calling, raises, starts_with

from microcosm_pubsub.chain.context import SafeContext
from microcosm_pubsub.chain.context_decorators import (
    DEFAULT_ASSIGNED,
    EXTRACT_PREFIX,
    get_from_context,
    get_positional_args,
    save_to_context,
    save_to_context_by_func_name,
    temporarily_replace_context_keys,
)
from microcosm_pubsub.chain.decorators import binds, extracts
from microcosm_pubsub.chain.exceptions import ContextKeyNotFound


EMPTY = inspect.Parameter.empty


class Holder:
    """Methods of every kind that read `n` (and instance or class attributes)."""

    scale = 10

    def __init__(self):
        self.offset = 1

    def method(self, n):
        return n + self.offset

    @classmethod
    def class_method(cls, n):
        return n * cls.scale

    @staticmethod
    def static_method(n):
        return n


class Returns:
    """A callable returning a fixed value, for extracts tests."""

    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value


def resolve_with_renames(context, func):
    """Wrap `func` the way a chain does: resolution inside, renames around it."""
    return temporarily_replace_context_keys(context, get_from_context(context, func))


def test_constants():
    """The default assigned markers and the name prefix match the spec."""
    assert DEFAULT_ASSIGNED == ("_extracts", "_binds")
    assert EXTRACT_PREFIX == "extract_"


def test_get_positional_args():
    """Positional parameters are listed in order with their defaults; others are left out."""
    def func(a, /, b, c=3, *args, d, **kwargs):
        pass

    assert get_positional_args(func) == [("a", EMPTY), ("b", EMPTY), ("c", 3)]


def test_get_positional_args_of_bound_class_and_instance():
    """Bound self/cls is left out; a class reports its constructor, an instance its __call__."""
    class Callable:
        def __init__(self, x):
            pass

        def __call__(self, y):
            pass

    assert get_positional_args(Holder().method) == [("n", EMPTY)]
    assert get_positional_args(Holder.class_method) == [("n", EMPTY)]
    assert get_positional_args(Callable) == [("x", EMPTY)]
    assert get_positional_args(Callable(1)) == [("y", EMPTY)]


def test_get_positional_args_errors():
    """A non-callable raises TypeError and a builtin without signature raises ValueError."""
    assert_that(calling(get_positional_args).with_args(1), raises(TypeError))
    assert_that(calling(get_positional_args).with_args(dict), raises(ValueError))


def test_get_from_context_reads_by_name():
    """A parameter is filled from the key of the same name."""
    assert get_from_context({"x": 4}, lambda x: x)() == 4


def test_get_from_context_missing_key():
    """A missing key raises ContextKeyNotFound naming the key and the function."""
    def read(x):
        return x

    wrapped = get_from_context({}, read)
    expected = "Failed to find context key `x` during evaluation of `<function " + read.__qualname__
    assert_that(calling(wrapped), raises(ContextKeyNotFound))
    try:
        wrapped()
    except ContextKeyNotFound as error:
        assert_that(str(error), starts_with(expected))
        assert isinstance(error.__cause__, KeyError)


def test_get_from_context_defaults():
    """A default is used only when the key is absent."""
    def add(a, b=5):
        return a + b

    assert_that(calling(get_from_context({}, add)), raises(ContextKeyNotFound))
    assert get_from_context({"a": 1}, add)() == 6
    assert get_from_context({"a": 1, "b": 2}, add)() == 3
    assert get_from_context({"a": 1, "b": None}, lambda a, b=5: b)() is None


def test_get_from_context_maps_by_name_not_position():
    """Keys are matched to parameters by name regardless of their order."""
    wrapped = get_from_context({"second": "y", "first": "x"}, lambda first, second: first + second)
    assert wrapped() == "xy"


def test_get_from_context_skips_given_arguments():
    """Positional and keyword arguments given by the caller are not looked up."""
    wrapped = get_from_context({"c": 3}, lambda a, b, c: (a, b, c))
    assert wrapped(1, b=2) == (1, 2, 3)


def test_get_from_context_with_methods():
    """Bound methods, classmethods and staticmethods resolve without looking up self or cls."""
    holder = Holder()
    context = {"n": 1}
    assert get_from_context(context, lambda n: n)() == 1
    assert get_from_context(context, holder.method)() == 2
    for func in (holder.class_method, Holder.class_method):
        assert get_from_context(context, func)() == 10
    for func in (holder.static_method, Holder.static_method):
        assert get_from_context(context, func)() == 1


def test_get_from_context_looks_up_unbound_self():
    """A plain function whose first parameter is called self has it looked up like any name."""
    assert_that(calling(get_from_context({"n": 1}, Holder.method)), raises(ContextKeyNotFound))
    assert get_from_context({"n": 1, "self": Holder()}, Holder.method)() == 2


def test_get_from_context_passes_context_itself():
    """A parameter named context receives a SafeContext itself, but is a plain key in a dict."""
    ctx = SafeContext()
    assert get_from_context(ctx, lambda context: context)() is ctx
    assert get_from_context({"context": 7}, lambda context: context)() == 7


def test_get_from_context_positional_only():
    """Positional-only parameters receive their values by position."""
    def subtract(a, b, /, c=0):
        return a - b - c

    assert get_from_context({"a": 5, "b": 2, "c": 1}, subtract)() == 2
    assert get_from_context({"a": 5, "b": 2}, subtract)(7) == 5


def test_get_from_context_never_fills_keyword_only():
    """A required keyword-only parameter is not filled, so the call raises TypeError."""
    def needs(*, k):
        return k

    assert_that(calling(get_from_context({"k": 1}, needs)), raises(TypeError))


def test_get_from_context_key_error_inside_function_propagates():
    """A KeyError raised by the function itself is not converted."""
    def fails():
        raise KeyError("inner")

    assert_that(calling(get_from_context({}, fails)), raises(KeyError, "inner"))


def test_get_from_context_introspects_eagerly():
    """Introspection errors surface when decorating, not when calling."""
    assert_that(calling(get_from_context).with_args({}, 1), raises(TypeError))


def test_wrapper_copies_metadata_and_markers():
    """The wrapper keeps name, doc, markers and points __wrapped__ at the original."""
    @extracts("out")
    def produce(value):
        """Doc."""
        return value

    wrapped = get_from_context({}, produce)
    assert (wrapped.__name__, wrapped.__doc__, wrapped._extracts) == ("produce", "Doc.", ("out",))
    assert wrapped.__wrapped__ is produce
    assert get_positional_args(wrapped) == [("value", EMPTY)]


def test_save_to_context_cases():
    """Each kind of marked callable stores its value; an unmarked one stores nothing."""
    context = {}
    holder = Holder()
    save_to_context(context, lambda: 0)()
    save_to_context(context, extracts("a")(lambda: 1))()
    save_to_context(context, extracts("b", "c")(lambda: (2, 3)))()
    save_to_context(context, extracts("t")(lambda: (4, 5)))()
    save_to_context(context, extracts("instance")(Returns)(6))()
    save_to_context(context, extracts("method")(holder.method))(1)
    save_to_context(context, extracts("class_method")(holder.class_method))(1)
    save_to_context(context, extracts("static_method")(holder.static_method))(1)
    assert context == {
        "a": 1,
        "b": 2,
        "c": 3,
        "t": (4, 5),
        "instance": 6,
        "method": 2,
        "class_method": 10,
        "static_method": 1,
    }


def test_save_to_context_return_values():
    """One name returns [value]; several names return the value unchanged."""
    assert save_to_context({}, extracts("a")(lambda: 1))() == [1]
    assert save_to_context({}, extracts("a", "b")(lambda: (1, 2, 3)))() == (1, 2, 3)


def test_save_to_context_too_few_items():
    """Too few items raise IndexError after storing the earlier names."""
    context = {}
    assert_that(calling(save_to_context(context, extracts("a", "b")(lambda: (1,)))), raises(IndexError))
    assert context == {"a": 1}


def test_save_to_context_existing_key():
    """Storing into a SafeContext that already has the key raises ValueError."""
    wrapped = save_to_context(SafeContext(a=0), extracts("a")(lambda: 1))
    assert_that(calling(wrapped), raises(ValueError, "Key 'a' already set"))


def test_save_to_context_uses_latest_marker():
    """Re-marking a function stores only under the newest name."""
    def produce():
        return 1

    extracts("b")(extracts("a")(produce))
    context = {}
    save_to_context(context, produce)()
    assert context == {"b": 1}


def test_save_to_context_without_marker_returns_func():
    """An unmarked or empty-marked function is returned as is."""
    def produce():
        return 1

    assert save_to_context({}, produce) is produce
    assert save_to_context({}, extracts()(produce)) is produce


def test_save_by_func_name():
    """Unmarked extract_<key> functions store their whole value under <key>."""
    def extract_one(v):
        return v

    def extract_pair(v, w):
        return v, w

    context = {}
    assert save_to_context_by_func_name(context, extract_one)(0) == 0
    assert save_to_context_by_func_name(context, extract_pair)(1, 2) == (1, 2)
    assert context == {"one": 0, "pair": (1, 2)}


def test_save_by_func_name_bound_method_and_bare_prefix():
    """Bound methods qualify by function name and `extract_` alone stores under ""."""
    class Source:
        def extract_value(self):
            return 1

    def extract_():
        return 2

    context = {}
    save_to_context_by_func_name(context, Source().extract_value)()
    save_to_context_by_func_name(context, extract_)()
    assert context == {"value": 1, "": 2}


def test_save_by_func_name_declines():
    """Marked functions, other names and nameless callables are returned unchanged."""
    def extract_marked():
        return 1

    def plain():
        return 1

    extracts()(extract_marked)
    instance = Returns(1)
    for func in (extract_marked, plain, instance, lambda: 1):
        assert save_to_context_by_func_name({}, func) is func


def test_wrapper_of_nameless_callable_does_not_qualify():
    """Wrapping a callable instance never gives the wrapper an extract_ name."""
    wrapped = get_from_context({}, Returns(1))
    assert not getattr(wrapped, "__name__", "").startswith(EXTRACT_PREFIX)
    assert save_to_context_by_func_name({}, wrapped) is wrapped


def test_binds_after_resolution_order():
    """Renames applied around resolution find the renamed key; the reverse order does not."""
    read_b = binds(a="b")(lambda b: b)
    assert resolve_with_renames({"a": 9}, read_b)() == 9

    context = {"a": 9}
    reversed_order = get_from_context(context, temporarily_replace_context_keys(context, read_b))
    assert_that(calling(reversed_order), raises(ContextKeyNotFound))

    assert_that(calling(resolve_with_renames({}, read_b)), raises(KeyError, "Variable 'a' not set"))


def test_binds_moves_and_restores():
    """While the function runs the old key is absent; afterwards the context is unchanged."""
    context = {"a": 1, "keep": 2}
    seen = {}

    @binds(a="b")
    def look():
        seen.update(context)

    temporarily_replace_context_keys(context, look)()
    assert seen == {"b": 1, "keep": 2}
    assert context == {"a": 1, "keep": 2}


def test_binds_restores_after_error():
    """The renames are undone even when the function raises."""
    context = {"a": 1}

    @binds(a="b")
    def fail():
        raise RuntimeError()

    assert_that(calling(temporarily_replace_context_keys(context, fail)), raises(RuntimeError))
    assert context == {"a": 1}


def test_binds_refuses_taken_target():
    """A new key that already exists, as in a swap, raises ValueError before any move."""
    context = {"a": 1, "b": 2}
    swap = binds(a="b", b="a")(lambda: None)
    assert_that(
        calling(temporarily_replace_context_keys(context, swap)),
        raises(ValueError, "Variable 'b' already set"),
    )
    assert context == {"a": 1, "b": 2}


def test_binds_on_parent_key_renames_within_scope():
    """A key living in the parent scope is exposed under the new name inside the scope only."""
    parent = SafeContext(a=1)
    scope = parent.local()
    assert resolve_with_renames(scope, binds(a="b")(lambda a, b: (a, b)))() == (1, 1)
    assert scope.store == {}
    assert parent.store == {"a": 1}


def test_binds_on_shadowing_scope_key_restores_shadow():
    """A scope key that shadows a parent key is put back after the call."""
    scope = SafeContext(a=1).local(a=2)
    assert resolve_with_renames(scope, binds(a="b")(lambda b: b))() == 2
    assert scope.store == {"a": 2}


def test_binds_without_marker_returns_func():
    """An unmarked or empty-marked function is returned as is."""
    def func():
        return 1

    assert temporarily_replace_context_keys({}, func) is func
    assert temporarily_replace_context_keys({}, binds()(func)) is func


def test_resolve_then_save():
    """A marked instance and a marked function both store their result next to the input."""
    context = {"a": 9}

    class Echo:
        def __call__(self, a):
            return a

    instance = extracts("from_instance")(Echo())
    function = extracts("from_function")(lambda a: a)
    for func in (instance, function):
        save_to_context(context, get_from_context(context, func))()
    assert context == {"a": 9, "from_instance": 9, "from_function": 9}
