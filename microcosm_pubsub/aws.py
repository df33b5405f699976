"""
boto3 clients for SNS and SQS, built once per component and shared by its threads.

Credentials are never configured here: boto3's usual chain applies (environment, profile,
instance role), and `AWS_ENDPOINT_URL` works as boto3 defines it.

"""
from typing import Any, Optional

from boto3.session import Session
from botocore.config import Config
from botocore.exceptions import NoRegionError

from microcosm_pubsub.bounds import env_var_for
from microcosm_pubsub.errors import ConfigurationError


def make_client(
    service: str,
    graph: Any,
    component: str,
    pool_size: int = 10,
    connect_timeout: Optional[float] = None,
    read_timeout: Optional[float] = None,
    max_attempts: int = 5,
) -> Any:
    """
    A boto3 client configured from `graph.config.<component>`.

    botocore's "standard" retry mode retries throttling, 5xx answers and connection errors with
    capped exponential backoff and jitter; the pool is sized for the component's threads.

    """
    config = getattr(graph.config, component)
    session = Session(profile_name=config.get("profile_name"))
    client_config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=max(10, pool_size),
        connect_timeout=connect_timeout or 60,
        read_timeout=read_timeout or 60,
    )
    try:
        return session.client(
            service,
            endpoint_url=config.get("endpoint_url"),
            region_name=config.get("region_name"),
            config=client_config,
        )
    except NoRegionError:
        raise ConfigurationError(
            f"no AWS region for {component}: set {component}.region_name "
            f"({env_var_for(graph, component, 'region_name')}) or AWS_DEFAULT_REGION"
        ) from None
