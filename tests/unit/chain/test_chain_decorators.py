"""Tests for the markers of microcosm_pubsub.chain.decorators."""
import inspect

from microcosm_pubsub.chain.decorators import BINDS, EXTRACTS, binds, extracts, to_function


class Service:
    """A class with every kind of method, for marking tests."""

    factor = 3

    def method(self, value):
        return value * self.factor

    @classmethod
    def class_method(cls, value):
        return value * cls.factor

    @staticmethod
    def static_method(value):
        return value


def test_marker_names():
    """The marker attributes are `_extracts` and `_binds`."""
    assert (EXTRACTS, BINDS) == ("_extracts", "_binds")


def test_extracts_marks_function_in_place():
    """extracts sets a tuple of names on the same function object."""
    def produce():
        return 1

    assert extracts("a", "b")(produce) is produce
    assert produce._extracts == ("a", "b")
    assert extracts()(produce)._extracts == ()


def test_binds_marks_function_in_place():
    """binds sets a dict of renames on the same function object."""
    def consume(new):
        return new

    assert binds(old="new")(consume) is consume
    assert consume._binds == {"old": "new"}


def test_marking_again_overrides():
    """A second marker replaces the first on the original object."""
    def produce():
        return 1

    extracts("a")(produce)
    extracts("b")(produce)
    assert produce._extracts == ("b",)


def test_marking_a_class_marks_its_instances():
    """A marker set on a class is visible on every instance."""
    class Producer:
        def __call__(self):
            return 1

    assert extracts("p")(Producer) is Producer
    assert Producer()._extracts == ("p",)


def test_marking_an_instance_in_place():
    """A callable instance is marked in place."""
    class Producer:
        def __call__(self):
            return 1

    producer = Producer()
    assert extracts("p")(producer) is producer
    assert not hasattr(Producer, EXTRACTS)


def test_bound_method_becomes_a_function():
    """A bound method is wrapped in a plain function that delegates and keeps its signature."""
    service = Service()
    marked = extracts("out")(service.method)
    assert inspect.isfunction(marked)
    assert marked(2) == 6
    assert marked.__name__ == "method"
    assert marked.__wrapped__ == service.method
    assert list(inspect.signature(marked).parameters) == ["value"]
    assert not hasattr(Service.method, EXTRACTS)


def test_classmethod_becomes_a_function():
    """A classmethod reached through the class or an instance is wrapped too."""
    for method in (Service.class_method, Service().class_method):
        marked = extracts("out")(method)
        assert marked is not method
        assert marked(2) == 6


def test_staticmethod_is_marked_in_place():
    """A staticmethod is already a plain function, so it is marked in place."""
    class Local:
        @staticmethod
        def static_method(value):
            return value

    marked = extracts("out")(Local().static_method)
    assert marked is Local.static_method
    assert Local.static_method._extracts == ("out",)


def test_to_function_keeps_markers_of_the_underlying_function():
    """Markers set on a function in the class body survive wrapping a bound method of it."""
    class Marked:
        @extracts("r")
        def method(self, q):
            return q

    converted = to_function(Marked().method)
    assert converted._extracts == ("r",)
    assert to_function(len) is len
