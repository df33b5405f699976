"""
Tests for the optional Sentry reporting component.

"""
import subprocess
import sys
from unittest.mock import MagicMock

import pytest
from hamcrest import assert_that, equal_to, has_entries, has_entry, is_, none, not_
from microcosm.api import binding, create_object_graph, load_from_dict
from microcosm.registry import Registry

from microcosm_pubsub import sentry
from microcosm_pubsub.sentry import (
    DEFAULT_USER_ID_KEY,
    SentryConfigPubsub,
    default_before_send,
    report_error,
)


SECRET = "0123456789abcdef"


def make_graph(testing: bool = True, **config):
    return create_object_graph("test", testing=testing, loader=load_from_dict(sentry_logging_pubsub=config))


@pytest.fixture
def exc_info():
    try:
        raise ValueError("boom")
    except ValueError:
        return sys.exc_info()


@pytest.fixture
def event_factory():
    def make(**variables):
        return {"exception": {"values": [{"stacktrace": {"frames": [{"vars": variables}]}}]}}
    return make


def test_disabled_by_default_in_a_plain_graph():
    """A graph without testing or Sentry config resolves the component, switched off."""
    config = create_object_graph("test").sentry_logging_pubsub

    assert_that(config.enabled, is_(False))
    assert_that(config.client, is_(none()))
    assert_that(config.user_id_key, is_(equal_to(DEFAULT_USER_ID_KEY)))
    assert_that(config.tag_mapping, has_entry("X-Request-Id", "x-request-id"))


def test_enabled_without_dsn_stays_disabled():
    """Turning Sentry on without a DSN reports nothing."""
    assert_that(make_graph(enabled=True).sentry_logging_pubsub.enabled, is_(False))


def test_testing_uses_a_mock_client():
    """In testing an enabled component keeps the DSN and gets a MagicMock client instead of the SDK."""
    config = make_graph(enabled=True, dsn="not a real dsn").sentry_logging_pubsub

    assert_that(config.enabled, is_(True))
    assert_that(config.dsn, is_(equal_to("not a real dsn")))
    assert_that(config.client, is_(MagicMock))
    assert_that(config.client.before_send, is_(equal_to(default_before_send)))
    assert_that(config.client.server_name, is_(equal_to("test_daemon")))


def test_env_style_string_flag_is_parsed():
    """`enabled` given as the string "false" (as env vars give it) keeps Sentry off."""
    assert_that(make_graph(enabled="false", dsn="x").sentry_logging_pubsub.enabled, is_(False))


def test_bound_before_send_wins():
    """A `sentry_before_send` component replaces the default scrubber."""
    def custom(event, hint):
        return None

    registry = Registry()  # private, so the binding does not leak into other tests

    @binding("sentry_before_send", registry=registry)
    def factory(graph):
        return custom

    loader = load_from_dict(sentry_logging_pubsub=dict(enabled=True, dsn="x"))
    config = create_object_graph("test", testing=True, loader=loader, registry=registry).sentry_logging_pubsub
    assert_that(config.client.before_send, is_(equal_to(custom)))


def test_bad_dsn_disables_without_logging_the_secret(caplog):
    """Outside testing a malformed DSN turns Sentry off with a warning that omits the DSN."""
    config = make_graph(testing=False, enabled=True, dsn=f"https://{SECRET}@").sentry_logging_pubsub

    assert_that(config.enabled, is_(False))
    assert_that(config.dsn, is_(none()))
    assert "not a valid Sentry DSN" in caplog.text
    assert SECRET not in caplog.text


def test_real_init_receives_the_scrubber(monkeypatch):
    """Outside testing the SDK is initialised with the DSN and the default before_send."""
    init = MagicMock(return_value=object())
    monkeypatch.setattr(sentry.sentry_sdk, "init", init)

    config = make_graph(testing=False, enabled=True, dsn="https://key@sentry.example/1").sentry_logging_pubsub

    assert_that(config.enabled, is_(True))
    assert_that(init.call_args.kwargs, has_entries(dsn="https://key@sentry.example/1", before_send=default_before_send))


def test_missing_sdk_disables(monkeypatch):
    """Without sentry-sdk an enabled, configured component stays off."""
    monkeypatch.setattr(sentry, "sentry_sdk", None)

    assert_that(make_graph(enabled=True, dsn="x").sentry_logging_pubsub.enabled, is_(False))


def test_module_imports_without_sentry_sdk():
    """The module imports when sentry-sdk cannot be imported."""
    code = ("import sys; sys.modules['sentry_sdk'] = None; "
            "import microcosm_pubsub.sentry as s; assert s.sentry_sdk is None")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_custom_tags_and_user_id():
    """Custom tags extend the defaults (dict or JSON) and a custom user id key replaces X-Request-User."""
    config = make_graph(custom_tags_mapping='{"X-Tenant": "tenant"}', custom_user_id="X-User").sentry_logging_pubsub

    assert_that(config.tag_mapping, has_entries({"X-Tenant": "tenant", "uri": "uri"}))
    assert_that(config.user_id_key, is_(equal_to("X-User")))
    assert_that(sentry.DEFAULT_TAG_MAPPING, not_(has_entry("X-Tenant", "tenant")))


def test_before_send_redacts_content(event_factory):
    """Only ids, reprs, URLs, self/cls and empty values survive; dict values keep only *_id keys."""
    event = event_factory(
        self="<Handler>",
        project_id="'abc'",
        description="'secret text'",
        url="https://example.com/x",
        count=3,
        empty="",
        payload={"user_id": "u1", "name": "Ada"},
    )

    frame_vars = default_before_send(event, None)["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]

    assert_that(frame_vars, is_(equal_to(dict(
        self="<Handler>",
        project_id="'abc'",
        description="<redacted>",
        url="https://example.com/x",
        count="<redacted>",
        empty="",
        payload={"user_id": "u1", "name": "<redacted>"},
    ))))


def test_report_error_captures_with_tags_and_user(exc_info):
    """A report goes to the client with tags taken from the opaque and the user id."""
    client = MagicMock()
    config = SentryConfigPubsub(dsn="x", enabled=True, client=client, user_id_key="X-Request-User")

    report_error(config, {"X-Request-Id": "r1", "uri": "http://u", "X-Request-User": "u9"}, exc_info)

    client.capture_exception.assert_called_once()
    args, kwargs = client.capture_exception.call_args
    assert_that(args, is_(equal_to((exc_info,))))
    assert_that(kwargs["tags"], has_entries({"x-request-id": "r1", "uri": "http://u", "message-id": None}))
    assert_that(kwargs["user"], is_(equal_to({"id": "u9"})))


def test_report_error_falls_back_to_the_sdk(monkeypatch, exc_info):
    """A client without capture_exception (the SDK's init guard) reports through the SDK's global API."""
    capture = MagicMock()
    monkeypatch.setattr(sentry.sentry_sdk, "capture_exception", capture)

    report_error(SentryConfigPubsub(dsn="x", enabled=True, client=object()), {}, exc_info)

    capture.assert_called_once()


def test_report_error_when_disabled_sends_nothing(exc_info):
    """A disabled config never touches its client."""
    client = MagicMock()

    report_error(SentryConfigPubsub(client=client), {}, exc_info)

    client.capture_exception.assert_not_called()
