"""
The start-up check tells configuration errors from faults that heal, and asks only real clients.

"""
from types import SimpleNamespace
from unittest.mock import MagicMock

import boto3
import pytest
from botocore.stub import Stubber

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.reader import SQSJsonReader
from microcosm_pubsub.startup_check import check_queue


QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"


@pytest.fixture
def stubbed():
    """A consumer with a real SQS client whose answers the test decides."""
    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLEKEY123456",
                          aws_secret_access_key="example-secret")
    with Stubber(client) as stubber:
        yield SimpleNamespace(sqs_client=client, sqs_queue_url=QUEUE_URL), stubber


@pytest.mark.parametrize("code", ["InvalidClientTokenId", "SignatureDoesNotMatch"])
def test_rejected_credentials_are_a_configuration_error_without_the_key(stubbed, code):
    """Credentials SQS refuses stop the start, naming the error code and never the key."""
    consumer, stubber = stubbed
    stubber.add_client_error("get_queue_attributes", service_error_code=code, http_status_code=403)

    with pytest.raises(ConfigurationError, match=f"AWS refused the credentials \\({code}\\)") as error:
        check_queue(consumer)

    assert "AKIAEXAMPLEKEY123456" not in str(error.value) and "example-secret" not in str(error.value)


@pytest.mark.parametrize("code, status", [
    ("ThrottlingException", 400), ("InternalError", 500), ("ServiceUnavailable", 503), ("AccessDenied", 403),
])
def test_faults_that_can_heal_or_a_missing_grant_let_the_consumer_start(stubbed, code, status):
    """Throttling, 5xx, or a policy without GetQueueAttributes: no error, the poll loop takes over."""
    consumer, stubber = stubbed
    stubber.add_client_error("get_queue_attributes", service_error_code=code, http_status_code=status)

    check_queue(consumer)


def test_testing_mode_and_replay_readers_are_not_asked():
    """A MagicMock client (testing mode) and a replay reader are never called."""
    mock_client = MagicMock()
    check_queue(SimpleNamespace(sqs_client=mock_client, sqs_queue_url="queue"))
    check_queue(SimpleNamespace(sqs_client=SQSJsonReader({}), sqs_queue_url="STDIN"))

    mock_client.get_queue_attributes.assert_not_called()


def test_the_check_reads_the_visibility_timeout_the_engine_needs(core_broker, core_graph):
    """One GetQueueAttributes at start answers both questions: reachable, and its visibility timeout."""
    core_broker.sqs.set_queue_attributes(QueueUrl=core_broker.queue_url, Attributes={"VisibilityTimeout": "45"})

    assert check_queue(core_graph.sqs_consumer) == 45
