"""
URIHandler: fetching, caching, converting and handling the resource a message points at.

"""
import logging
from unittest.mock import MagicMock, call, patch

import pytest
from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from requests.exceptions import HTTPError, InvalidSchema

from microcosm_pubsub.errors import ConfigurationError, Nack
from microcosm_pubsub.handlers.uri_handler import (
    URIHandler,
    resource_cache_whitelist_callable,
)


GET = "microcosm_pubsub.handlers.uri_handler.get"
EVENT_URI = "https://service.example.com/api/v2/project_event/0598355c-5b19-49bd-a755-146204220a5b"
CREATED = "application/vnd.globality.pubsub._.created.project_event.project_brief_submitted"
CHANGED = "application/vnd.globality.pubsub._.changed.project_event.project_brief_submitted"


class Baz:
    def __init__(self, foo):
        self.foo = foo


def response(json_data=None, status_code=200):
    """A requests-like response whose `raise_for_status` fails from 400 up."""
    fake = MagicMock(status_code=status_code)
    fake.json.return_value = json_data
    if status_code >= 400:
        fake.raise_for_status.side_effect = HTTPError(f"{status_code} error")
    return fake


@pytest.fixture
def cached_graph():
    """A locked microcosm graph whose resource cache (microcosm-caching, testing mode) is on."""
    loader = load_from_dict(resource_cache=dict(enabled=True))
    graph = create_object_graph("test_uri_handler", testing=True, loader=loader)
    graph.use("opaque", "resource_cache")
    graph.lock()
    return graph


def fetch_with_cache(handler, message, cached=None, json_data=None):
    """Run `get_resource` with the HTTP GET and the cache's get/set mocked out."""
    with patch(GET, return_value=response(json_data)) as mocked_get, \
            patch.object(handler.resource_cache, "get", return_value=cached) as cache_get, \
            patch.object(handler.resource_cache, "set") as cache_set:
        result = handler.get_resource(message, message["uri"])
    return result, mocked_get, cache_get, cache_set


def test_instantiable_with_a_mock_graph():
    """A handler can be built from any graph-like object, such as a MagicMock."""
    handler = URIHandler(MagicMock())
    assert handler.resource_type is dict
    assert handler.name == "Uri Handler"
    assert handler.nack_if_not_found is True
    assert handler.nack_timeout == handler.retry_nack_timeout == 1


def test_convert_resource_keeps_a_dict():
    """With the default resource type, the fetched dict is returned unchanged."""
    resource = dict(foo="bar")
    assert URIHandler(MagicMock()).convert_resource(resource) is resource


def test_convert_resource_builds_a_custom_class():
    """A class as resource type receives the fetched fields as keywords."""
    class BazHandler(URIHandler):
        resource_type = Baz

    resource = BazHandler(MagicMock()).convert_resource(dict(foo="bar"))
    assert isinstance(resource, Baz)
    assert resource.foo == "bar"


def test_convert_resource_calls_a_factory():
    """A plain callable as resource type is called with the fetched fields as keywords."""
    class FactoryHandler(URIHandler):
        @property
        def resource_type(self):
            return lambda **kwargs: Baz(**kwargs)

    resource = FactoryHandler(MagicMock()).convert_resource(dict(foo="bar"))
    assert isinstance(resource, Baz)
    assert resource.foo == "bar"


def test_get_sends_empty_headers_without_opaque(graph):
    """The GET is `get(uri, headers={})` when the opaque context is empty."""
    with patch(GET, return_value=response(dict(foo="bar"))) as mocked_get:
        resource = URIHandler(graph).get_resource(dict(uri="http://localhost"), "http://localhost")

    assert resource == dict(foo="bar")
    mocked_get.assert_called_with("http://localhost", headers=dict())


def test_get_forwards_the_opaque_as_headers(graph):
    """Opaque values such as the request id travel as (lower-cased) request headers."""
    handler = URIHandler(graph)
    with patch(GET, return_value=response({})) as mocked_get:
        with graph.opaque.initialize(lambda: {"X-Request-Id": "request-id"}):
            handler.get_resource(dict(uri="http://localhost"), "http://localhost")

    mocked_get.assert_called_with("http://localhost", headers={"x-request-id": "request-id"})


def test_custom_request_timeout_is_passed_to_the_get(graph):
    """A handler built with its own timeout sends it with the GET."""
    handler = URIHandler(graph, request_timeout_seconds=2.5)
    with patch(GET, return_value=response({})) as mocked_get:
        handler.get_resource(dict(uri="http://localhost"), "http://localhost")

    mocked_get.assert_called_with("http://localhost", headers={}, timeout=2.5)


@pytest.mark.parametrize("timeout", [None, 0, -1, "10", True])
def test_bad_request_timeout_is_refused(timeout):
    """A missing, non-positive or non-numeric request timeout fails at construction."""
    with pytest.raises(ConfigurationError, match="request_timeout_seconds"):
        URIHandler(MagicMock(), request_timeout_seconds=timeout)


def test_404_is_nacked(graph):
    """A missing resource is retried after `resource_nack_timeout` (it may not be committed yet)."""
    handler = URIHandler(graph, resource_nack_timeout=7)
    with patch(GET, return_value=response({}, status_code=404)):
        with pytest.raises(Nack) as raised:
            handler.get_resource(dict(uri="http://localhost"), "http://localhost")

    assert raised.value.visibility_timeout_seconds == 7
    assert str(raised.value) == "URI resource not found"


def test_404_raises_http_error_when_not_nacking(graph):
    """With `nack_if_not_found` off, a 404 surfaces as the HTTP error."""
    class LenientHandler(URIHandler):
        nack_if_not_found = False

    with patch(GET, return_value=response({}, status_code=404)):
        with pytest.raises(HTTPError):
            LenientHandler(graph).get_resource(dict(uri="http://localhost"), "http://localhost")


def test_changed_field_mismatch_is_nacked(graph):
    """A resource that does not yet show the announced `new_value` is retried."""
    message = dict(uri="http://localhost", field_name="foo", new_value="bar")
    with patch(GET, return_value=response(dict(foo="baz"))):
        with pytest.raises(Nack, match="Resource field value does not match message"):
            URIHandler(graph).get_resource(message, message["uri"])


def test_changed_field_match_is_returned(graph):
    """A resource that shows the announced `new_value` is returned."""
    message = dict(uri="http://localhost", field_name="foo", new_value="bar")
    with patch(GET, return_value=response(dict(foo="bar"))):
        assert URIHandler(graph).get_resource(message, message["uri"]) == dict(foo="bar")


def test_invalid_schema_is_logged_and_reraised(graph, caplog):
    """A URI with a scheme requests cannot fetch is logged once at error level and re-raised."""
    handler = URIHandler(graph)
    with patch(GET, side_effect=InvalidSchema("no adapter")), caplog.at_level(logging.ERROR):
        with pytest.raises(InvalidSchema):
            handler.get_resource(dict(uri="foo://bar"), "foo://bar")

    [record] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.getMessage() == "Error was found when trying to process uri. Check schema"
    assert (record.handler, record.uri) == ("Uri Handler", "foo://bar")


def test_cache_disabled_on_instance(cached_graph):
    """`resource_cache_enabled=False` leaves the handler without a cache."""
    handler = URIHandler(cached_graph, resource_cache_enabled=False)
    assert handler.resource_cache is None


def test_unbound_cache_is_none(graph):
    """A graph without a bound resource cache gives a handler without a cache."""
    assert URIHandler(graph).resource_cache is None


def test_non_whitelisted_resource_skips_the_cache(cached_graph):
    """A `changed` event is fetched over HTTP and never read from or written to the cache."""
    message = dict(uri=EVENT_URI, mediaType=CHANGED)
    _, mocked_get, cache_get, cache_set = fetch_with_cache(URIHandler(cached_graph), message)

    mocked_get.assert_called_with(EVENT_URI, headers={})
    assert not cache_get.called
    assert not cache_set.called


@pytest.mark.parametrize("kwargs, ttl", [(dict(), 60), (dict(resource_cache_ttl=100), 100)])
def test_cache_miss_fetches_and_stores(cached_graph, kwargs, ttl):
    """A whitelisted resource missing from the cache is fetched, then stored with the TTL."""
    message = dict(uri=EVENT_URI, mediaType=CREATED)
    handler = URIHandler(cached_graph, **kwargs)
    result, mocked_get, cache_get, cache_set = fetch_with_cache(
        handler, message, json_data=dict(foo="bar"),
    )

    assert result == dict(foo="bar")
    cache_get.assert_called_with(EVENT_URI)
    mocked_get.assert_called_with(EVENT_URI, headers={})
    cache_set.assert_called_with(EVENT_URI, dict(foo="bar"), ttl=ttl)


def test_dispatched_content_is_cached_by_the_default_whitelist(cached_graph):
    """Content as the dispatcher passes it (loaded by the schema: `media_type`) is cached too."""
    message = dict(uri=EVENT_URI, media_type=CREATED)
    _, mocked_get, cache_get, cache_set = fetch_with_cache(URIHandler(cached_graph), message, json_data=dict(a=1))

    cache_get.assert_called_with(EVENT_URI)
    cache_set.assert_called_with(EVENT_URI, dict(a=1), ttl=60)


def test_cache_hit_skips_the_fetch(cached_graph):
    """A whitelisted resource found in the cache is returned with no HTTP call and no write."""
    message = dict(uri=EVENT_URI, mediaType=CREATED)
    result, mocked_get, cache_get, cache_set = fetch_with_cache(
        URIHandler(cached_graph), message, cached=dict(foo="cached"),
    )

    assert result == dict(foo="cached")
    cache_get.assert_called_once_with(EVENT_URI)
    assert not mocked_get.called
    assert not cache_set.called


def test_custom_whitelist_is_asked_with_media_type_and_uri(cached_graph):
    """A custom whitelist callable decides caching from the message's media type and the URI."""
    whitelist = MagicMock(return_value=False)
    handler = URIHandler(cached_graph, resource_cache_whitelist_callable=whitelist)
    fetch_with_cache(handler, dict(uri="http://localhost", mediaType="x"))

    assert whitelist.call_args == call(media_type="x", uri="http://localhost")


@pytest.mark.parametrize("media_type, uri, expected", [
    (CREATED, EVENT_URI, True),
    (CHANGED, EVENT_URI, False),
    (CREATED, "https://service.example.com/api/v2/project/1", False),
    (None, EVENT_URI, False),
])
def test_default_whitelist(media_type, uri, expected):
    """Only `created` events are cached by default."""
    assert resource_cache_whitelist_callable(media_type=media_type, uri=uri) is expected


class RecordingHandler(URIHandler):
    """Records what `handle` receives and returns a preset answer."""

    def __init__(self, graph, answer=True, skip=None):
        super().__init__(graph)
        self.answer, self.skip, self.handled = answer, skip, []

    def get_reason_to_skip(self, message, uri):
        return self.skip

    def handle(self, message, uri, resource):
        self.handled.append((message, uri, resource))
        return self.answer


def test_call_fetches_and_handles(graph):
    """Calling the handler fetches the message's URI and returns True when `handle` accepts."""
    handler = RecordingHandler(graph)
    message = dict(uri="http://localhost")
    with patch(GET, return_value=response(dict(foo="bar"))):
        assert handler(message) is True

    assert handler.handled == [(message, "http://localhost", dict(foo="bar"))]


def test_call_returns_false_when_handle_declines(graph):
    """A falsy `handle` makes the call return False (the message is ignored)."""
    with patch(GET, return_value=response({})):
        assert RecordingHandler(graph, answer=None)(dict(uri="http://localhost")) is False


def test_call_skips_without_fetching(graph):
    """A reason to skip returns False before any HTTP call or `handle`."""
    handler = RecordingHandler(graph, skip="the message says enough")
    with patch(GET) as mocked_get:
        assert handler(dict(uri="http://localhost")) is False

    assert not mocked_get.called
    assert handler.handled == []
