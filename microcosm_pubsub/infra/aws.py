"""
Clients for `pubsub infra` and `pubsub dlq`, and AWS errors turned into what to do about them.

Credentials come from boto3's usual chain and never appear in any message: an error names the
operation, the IAM action it needs, the resource, and the fix.

"""
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from microcosm_pubsub.errors import PubSubError


ACCESS_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException",
                       "InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "SignatureDoesNotMatch"}
NOT_FOUND_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NotFound", "NotFoundException",
                   "ResourceNotFoundException"}


class InfraError(PubSubError):
    """An account operation failed; the message says which permission or resource, and the fix."""


def make_clients(endpoint_url: Optional[str] = None, region_name: Optional[str] = None,
                 profile_name: Optional[str] = None) -> tuple[Any, Any]:
    """(sqs, sns) boto3 clients with botocore's standard retries (throttling, 5xx)."""
    from boto3.session import Session
    from botocore.config import Config
    from botocore.exceptions import NoRegionError, ProfileNotFound

    try:
        session = Session(profile_name=profile_name)
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        return tuple(session.client(service, endpoint_url=endpoint_url, region_name=region_name, config=config)
                     for service in ("sqs", "sns"))  # type: ignore[return-value]
    except NoRegionError:
        raise InfraError("no AWS region: pass --region or set AWS_DEFAULT_REGION") from None
    except ProfileNotFound:
        raise InfraError(f"AWS profile {profile_name!r} is not configured: pass another --profile") from None


def iam_action(client: Any, operation: str) -> str:
    """The IAM action an operation needs (`sqs:CreateQueue`): the API name under the service prefix."""
    prefix = getattr(getattr(client, "meta", None), "service_model", None)
    service = prefix.endpoint_prefix if prefix else "aws"
    return f"{service}:{operation}"


def explain(error: Exception, action: str, resource: str) -> InfraError:
    """An `InfraError` for a botocore error: the permission or resource that is missing, and the fix."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(error, NoCredentialsError):
        return InfraError("no AWS credentials found (environment, profile or instance role): configure them for boto3")
    if isinstance(error, EndpointConnectionError):
        return InfraError(f"cannot reach the {action.split(':')[0].upper()} endpoint for {action} on {resource}: "
                          "check --endpoint-url, --region and the network")
    if not isinstance(error, ClientError):
        return InfraError(f"{action} on {resource} failed: {type(error).__name__}")
    code = error.response.get("Error", {}).get("Code", "")
    if code in ACCESS_DENIED_CODES:
        return InfraError(f"permission {action} is missing on {resource} ({code}): "
                          f"grant {action} on {resource} to the role running pubsub")
    if code in NOT_FOUND_CODES:
        return InfraError(f"{resource} does not exist ({action}): "
                          "run `pubsub infra apply`, or check the name and region")
    message = error.response.get("Error", {}).get("Message", "")
    return InfraError(f"{action} on {resource} failed: {code}: {message}")


@contextmanager
def explained(client: Any, operation: str, resource: str) -> Iterator[None]:
    """Turn a botocore error raised inside into an `InfraError` naming the action and resource."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise explain(error, iam_action(client, operation), resource) from None


def call(client: Any, operation: str, resource: str, **kwargs: Any) -> Any:
    """`client.<operation>(**kwargs)` (snake_case of the API name), its errors explained."""
    with explained(client, operation, resource):
        return getattr(client, snake_case(operation))(**kwargs)


def is_not_found(error: Exception) -> bool:
    """Whether a botocore error says the resource does not exist."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in NOT_FOUND_CODES


def find(client: Any, operation: str, resource: str, **kwargs: Any) -> Optional[dict]:
    """Like `call`, but None when the resource does not exist."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, snake_case(operation))(**kwargs)
    except (BotoCoreError, ClientError) as error:
        if is_not_found(error):
            return None
        raise explain(error, iam_action(client, operation), resource) from None


def snake_case(operation: str) -> str:
    """boto3's method name for an API operation (`GetQueueUrl` -> `get_queue_url`)."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in operation).lstrip("_")


def arn_name(arn: str) -> str:
    """The resource name at the end of an ARN."""
    return arn.rsplit(":", 1)[-1]
