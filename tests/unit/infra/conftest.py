"""
Fixtures for the infra tests: an in-process moto account with real boto3 clients that count
their write calls, and plans built from the consumers in `infra_sample`.

"""
from typing import Any, Callable

import boto3
import pytest
from infra_support import Account, sample_config
from moto import mock_aws

from microcosm_pubsub.infra import build_consumer, make_plan


@pytest.fixture
def account(core_aws_env) -> Account:
    """An empty moto account."""
    with mock_aws():
        account = Account(sqs=boto3.client("sqs"), sns=boto3.client("sns"))
        for client in (account.sqs, account.sns):
            client.meta.events.register("before-call", account.count)
        yield account


@pytest.fixture
def plan_for() -> Callable[..., Any]:
    """`plan_for(kind="daemon", path=..., **config sections)`: the plan of a sample consumer."""
    def make(kind: str = "daemon", path: str = "infra_sample:SampleDaemon", queue_url: Any = None,
             **sections: dict) -> Any:
        consumer = build_consumer(kind, path, sample_config(**sections), queue_url,
                                  dict(endpoint_url=None, region=None, profile=None))
        return make_plan(consumer)
    return make
