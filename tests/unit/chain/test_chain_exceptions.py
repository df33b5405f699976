"""Tests for the error types of microcosm_pubsub.chain.exceptions."""
from microcosm_pubsub.chain.exceptions import AttributeNotFound, ContextKeyNotFound


def test_attribute_not_found_message():
    """AttributeNotFound names the attribute and its parent and is no KeyError."""
    error = AttributeNotFound("src", "nope")
    assert str(error) == "Failed to find attribute `nope` on `src`"
    assert (error.parent, error.attribute) == ("src", "nope")
    assert type(error).__bases__ == (Exception,)


def test_context_key_not_found_message():
    """ContextKeyNotFound names the key from the KeyError and the function's str."""
    error = ContextKeyNotFound(KeyError("x"), "switch_k")
    assert str(error) == "Failed to find context key `x` during evaluation of `switch_k`"
    assert (error.key, error.func) == ("x", "switch_k")
    assert type(error).__bases__ == (Exception,)
    assert not isinstance(error, KeyError)
