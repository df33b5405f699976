"""
The dispatcher's fast message context gives handlers exactly the opaque that microcosm's
`opaque.initialize` gives, and leaves the graph's base context untouched.

"""
from microcosm.opaque import Opaque

from microcosm_pubsub.opaque_context import StoreContext


VALUES = {"Message-ID": "m-1", "x-request-ttl": "31", 5: "int key", "ÉCOLE": "e", "uri": "http://x/1"}


def test_the_context_matches_microcosms_initialize():
    """Same keys (case folded), same values, same dict type, with and without a base context."""
    for base in ({}, {"Base-Key": {"nested": [1]}}):
        opaque = Opaque(base)
        with opaque.initialize(lambda: VALUES):
            expected, expected_type = dict(opaque.as_dict()), type(opaque.as_dict())
        with StoreContext(opaque._store, VALUES):
            assert dict(opaque.as_dict()) == expected
            assert type(opaque.as_dict()) is expected_type
            assert opaque["message-id"] == "m-1"


def test_a_handler_changing_the_context_does_not_change_the_base():
    """Writes, nested ones included, end with the message: the next message sees the base as it was."""
    opaque = Opaque({"shared": {"nested": [1]}})
    with StoreContext(opaque._store, VALUES):
        opaque["shared"]["nested"].append(2)
        opaque["extra"] = "x"

    assert dict(opaque.as_dict()) == {"shared": {"nested": [1]}}
