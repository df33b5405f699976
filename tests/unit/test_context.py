"""
The per-message opaque context: inbound opaque data, ids and the hop count.

"""
import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.context import SQSMessageContext
from microcosm_pubsub.message import SQSMessage


def make_message(opaque_data=None, uri=None, receipt_handle="receipt", message_id="sqs-id"):
    """A decoded message carrying the given opaque data and uri."""
    content = dict(media_type="application/vnd.core.context")
    if opaque_data is not None:
        content["opaque_data"] = opaque_data
    if uri is not None:
        content["uri"] = uri
    return SQSMessage(None, content, content["media_type"], message_id, receipt_handle)


def context_for(**config):
    """The `sqs_message_context` of a plain graph with the given settings."""
    return create_object_graph("test", loader=load_from_dict(sqs_message_context=config)).sqs_message_context


@pytest.fixture
def context():
    """The default context factory of a plain graph."""
    return create_object_graph("test").sqs_message_context


def test_resolves_in_a_plain_graph(context):
    """`sqs_message_context` is an SQSMessageContext in a graph with no AWS settings."""
    assert isinstance(context, SQSMessageContext)


def test_copies_inbound_opaque_data_and_the_sqs_id_wins(context):
    """Inbound opaque data is copied; the SQS message id replaces an inbound `message_id`."""
    message = make_message(opaque_data={"x-request-id": "r", "message_id": "inbound"})

    opaque = context(message)

    assert opaque["x-request-id"] == "r"
    assert opaque["message_id"] == "sqs-id"
    assert message.opaque_data == {"x-request-id": "r", "message_id": "inbound"}


def test_adds_uri_and_receipt_handle_when_present(context):
    """The uri and receipt handle are added when the message has them, left out otherwise."""
    assert context(make_message(uri="http://example.com/1"))["uri"] == "http://example.com/1"
    assert context(make_message(uri="http://example.com/1"))["receipt_handle"] == "receipt"

    opaque = context(make_message(receipt_handle=None))
    assert "uri" not in opaque and "receipt_handle" not in opaque


@pytest.mark.parametrize("inbound, expected", [(None, "31"), ("5", "4"), ("1", "0"), ("0", "-1")])
def test_ttl_is_decremented(context, inbound, expected):
    """The hop count is the inbound one (even "0") or the initial 32, minus one, as a string."""
    opaque_data = {} if inbound is None else {"x-request-ttl": inbound}

    assert context(make_message(opaque_data=opaque_data))["x-request-ttl"] == expected


def test_initial_ttl_is_configurable():
    """`initial_ttl` sets the count of messages that arrive without one."""
    assert context_for(initial_ttl=3)(make_message())["x-request-ttl"] == "2"


def test_ttl_can_be_disabled():
    """With `enable_ttl` off no hop count is added."""
    assert "x-request-ttl" not in context_for(enable_ttl=False)(make_message())


def test_keyword_arguments_are_added(context):
    """Extra keywords become opaque entries."""
    assert context(make_message(), handler="h")["handler"] == "h"
