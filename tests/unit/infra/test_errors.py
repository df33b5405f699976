"""
Errors name the missing permission or resource and the fix, and never a credential.

"""
import json

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from infra_support import sample_config

from microcosm_pubsub.infra.aws import explain
from microcosm_pubsub.main import main


def denied(operation):
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "User: arn:aws:iam::1:user/ci is not authorized"}},
                       operation)


def test_access_denied_names_the_permission_the_resource_and_the_fix():
    """The message is the action, the resource, the code and the grant to add."""
    error = explain(denied("CreateQueue"), "sqs:CreateQueue", "queue orders")
    assert str(error) == ("permission sqs:CreateQueue is missing on queue orders (AccessDenied): "
                          "grant sqs:CreateQueue on queue orders to the role running pubsub")


def test_credentials_and_endpoint_problems_say_what_to_configure():
    """No credentials and an unreachable endpoint each say what to configure."""
    assert "no AWS credentials" in str(explain(NoCredentialsError(), "sqs:GetQueueUrl", "queue q"))
    unreachable = explain(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "sns:Subscribe", "topic t")
    assert "cannot reach the SNS endpoint" in str(unreachable) and "--endpoint-url" in str(unreachable)


def test_cli_reports_a_denied_call_without_credentials(account, tmp_path, monkeypatch, capsys):
    """`infra check` exits 2 naming sqs:GetQueueUrl; the secret key appears nowhere."""
    original = BaseClient._make_api_call

    def deny_queue_lookup(self, operation, params):
        if operation == "GetQueueUrl":
            raise denied(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", deny_queue_lookup)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "infra-test-secret-key")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "infra-test-session-token")
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sample_config()))
    with pytest.raises(SystemExit) as exit_info:
        main(["--debug", "infra", "check", "--daemon", "infra_sample:SampleDaemon", "--config", str(config)])
    assert exit_info.value.code == 2
    printed = capsys.readouterr()
    assert "permission sqs:GetQueueUrl is missing on queue infra-sample" in printed.err
    for secret in ("infra-test-secret-key", "infra-test-session-token"):
        assert secret not in printed.out + printed.err
