"""
One question to SQS before consuming: can these credentials reach this queue?

Why: the poll loop backs off and retries every failed receive, which is right for faults that
heal (throttling, 5xx, a broker that is briefly unreachable) and wrong for configuration errors:
with no credentials, rejected credentials or a queue URL that does not exist, a consumer used to
log "consuming ..." and then warn forever. One GetQueueAttributes at start turns those into a
`ConfigurationError` (the daemon prints it and exits 2); any other answer, an error that can heal
or a policy that does not grant GetQueueAttributes, lets the consumer start as before.

Only a real boto3 client is asked: testing mode's MagicMocks, STDIN and file replay readers and
Lambda records (which never call `start()`) are not checked.

"""
from typing import Any, Optional

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from microcosm_pubsub.errors import ConfigurationError


QUEUE_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
CREDENTIALS_REFUSED = ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                       "InvalidAccessKeyId")


def check_queue(consumer: Any) -> Optional[int]:
    """
    Raise `ConfigurationError` when the consumer's queue cannot be read for a reason no retry fixes.

    Returns the queue's visibility timeout when SQS answered, so the engine need not ask again.
    """
    client, queue_url = consumer.sqs_client, consumer.sqs_queue_url
    if not isinstance(client, BaseClient) or not queue_url:
        return None
    try:
        answer = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
        return int(answer["Attributes"]["VisibilityTimeout"])
    except (NoCredentialsError, PartialCredentialsError):
        raise ConfigurationError(
            "no AWS credentials found: set AWS_PROFILE (or --profile), AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run where an instance or task role provides them"
        ) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in QUEUE_MISSING:
            raise ConfigurationError(
                f"queue {queue_url} does not exist: check --sqs-queue-url (or sqs_consumer.sqs_queue_url), "
                "the region and the endpoint, or create the queue"
            ) from None
        if code in CREDENTIALS_REFUSED:
            raise ConfigurationError(
                f"AWS refused the credentials ({code}): check the access key, secret key and session token "
                "the consumer runs with (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)"
            ) from None
        return None  # e.g. AccessDenied: a policy may grant receives without GetQueueAttributes
    except BotoCoreError:
        return None  # unreachable, timed out, ...: the poll loop logs it and backs off until SQS answers
    except (KeyError, TypeError, ValueError):
        return None
