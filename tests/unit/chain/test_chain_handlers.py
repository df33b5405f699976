"""Tests for ChainHandler and ChainURIHandler of microcosm_pubsub.handlers.chain_handlers."""
from unittest.mock import MagicMock, patch

from hamcrest import assert_that, calling, raises

from microcosm_pubsub.chain import Chain, extract, extracts, when
from microcosm_pubsub.handlers import ChainHandler as ExportedChainHandler
from microcosm_pubsub.handlers import ChainURIHandler as ExportedChainURIHandler
from microcosm_pubsub.handlers.chain_handlers import ChainHandler, ChainURIHandler
from microcosm_pubsub.handlers.uri_handler import URIHandler


GET = "microcosm_pubsub.handlers.uri_handler.get"
URI = "https://service.example.com/api/v1/order/1"


class Handler(ChainHandler):
    """A ChainHandler returning whatever chain it was given."""

    def __init__(self, chain):
        self.chain = chain
        self.calls = 0

    def get_chain(self):
        self.calls += 1
        return self.chain


class URIChainHandler(ChainURIHandler):
    """A ChainURIHandler with a fixed chain and no resource cache."""

    def __init__(self, chain):
        super().__init__(MagicMock(), resource_cache_enabled=False)
        self.chain = chain

    def get_chain(self):
        return self.chain


def fetched(json_data):
    """Patch the HTTP GET to return `json_data`."""
    response = MagicMock(status_code=200)
    response.json.return_value = json_data
    return patch(GET, return_value=response)


def test_exported_from_handlers_package():
    """Both handlers are reachable from microcosm_pubsub.handlers."""
    assert ExportedChainHandler is ChainHandler
    assert ExportedChainURIHandler is ChainURIHandler
    assert issubclass(ChainURIHandler, URIHandler)


def test_chain_handler_is_abstract():
    """A ChainHandler without get_chain cannot be instantiated."""
    assert_that(calling(type("Incomplete", (ChainHandler,), {})), raises(TypeError))


def test_chain_handler_returns_chain_result():
    """The chain runs on a context holding only the message and its result is returned."""
    handler = Handler(Chain(lambda context: dict(context), lambda message: message["id"]))
    assert handler({"id": 3}) == 3


def test_chain_handler_context_holds_only_message():
    """The fresh context contains exactly the message."""
    handler = Handler(lambda context: dict(context))
    assert handler({"id": 3}) == {"message": {"id": 3}}


def test_chain_handler_asks_for_the_chain_per_message():
    """get_chain is called on every message."""
    handler = Handler(lambda message: message)
    handler({})
    handler({})
    assert handler.calls == 2


def test_chain_handler_accepts_statements_and_nested_chains():
    """get_chain may return a statement or a Chain that shares the context."""
    flag = extract("flag", "message", "flag")
    statement_handler = Handler(Chain(flag, when("flag").then(lambda: "yes")))
    assert statement_handler({"flag": True}) == "yes"
    assert statement_handler({"flag": False}) is None


def test_chain_handler_single_extract_result_is_truthy():
    """A last link with one extracts name makes the result a list, truthy even for None."""
    handler = Handler(extracts("out")(lambda message: None))
    assert handler({}) == [None]


def test_chain_handler_errors_propagate():
    """An exception in the chain propagates to the caller."""
    handler = Handler(lambda message: message["missing"])
    assert_that(calling(handler).with_args({}), raises(KeyError))


def test_chain_uri_handler_is_abstract():
    """A ChainURIHandler without get_chain cannot be instantiated."""
    incomplete = type("Incomplete", (ChainURIHandler,), {})
    assert_that(calling(incomplete).with_args(MagicMock()), raises(TypeError))


def test_chain_uri_handler_runs_with_message_uri_and_resource():
    """The chain sees message, uri and the fetched resource; the handler returns True."""
    seen = {}
    handler = URIChainHandler(Chain(lambda context: seen.update(context)))
    message = {"uri": URI}
    with fetched({"id": 1}):
        assert handler(message) is True
    assert seen == {"message": message, "uri": URI, "resource": {"id": 1}}


def test_chain_uri_handler_ignores_falsy_chain_result():
    """handle returns True whatever the chain returns."""
    handler = URIChainHandler(Chain(lambda: None))
    assert handler.handle({}, URI, {}) is True


def test_chain_uri_handler_resource_name_overrides():
    """resource_name may be a class attribute and may replace message or uri."""
    class Named(URIChainHandler):
        resource_name = "order"

    class Replacing(URIChainHandler):
        resource_name = "message"

    seen = {}
    Named(Chain(lambda context: seen.update(context))).handle({}, URI, "res")
    assert seen == {"message": {}, "uri": URI, "order": "res"}
    seen.clear()
    Replacing(Chain(lambda context: seen.update(context))).handle({}, URI, "res")
    assert seen == {"message": "res", "uri": URI}


def test_chain_uri_handler_default_resource_name():
    """The resource key defaults to "resource"."""
    assert URIChainHandler(Chain()).resource_name == "resource"


def test_chain_uri_handler_skip_does_not_run_chain():
    """A skip reason returns False without fetching or running the chain."""
    ran = []

    class Skipping(URIChainHandler):
        def get_reason_to_skip(self, message, uri):
            return "nothing to do"

    with fetched({}) as get:
        assert Skipping(Chain(lambda: ran.append(1)))({"uri": URI}) is False
    get.assert_not_called()
    assert ran == []


def test_chain_uri_handler_errors_propagate():
    """An exception in the chain propagates out of the handler."""
    handler = URIChainHandler(Chain(lambda resource: resource["missing"]))
    with fetched({}):
        assert_that(calling(handler).with_args({"uri": URI}), raises(KeyError))
