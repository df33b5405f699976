"""
`check`: each kind of drift between the account and the plan is one line naming its fix.

"""
import json

import pytest
from infra_sample import AUDIT_WILDCARD, ORDER_PLACED
from infra_support import AUDIT, ORDERS, sample_config

from microcosm_pubsub.infra import apply_plan, check_plan
from microcosm_pubsub.main import main


@pytest.fixture
def applied(account, plan_for):
    """The sample daemon's plan, applied: `check` finds nothing."""
    plan = plan_for()
    apply_plan(plan, account.sqs, account.sns)
    assert check_plan(plan, account.sqs, account.sns) == []
    return plan


def subscription_of(account, topic_arn):
    return next(s["SubscriptionArn"] for s in account.subscriptions("infra-sample") if s["TopicArn"] == topic_arn)


def set_filter(account, topic_arn, policy):
    account.sns.set_subscription_attributes(SubscriptionArn=subscription_of(account, topic_arn),
                                            AttributeName="FilterPolicy",
                                            AttributeValue=json.dumps(policy) if policy else "")


def set_queue(account, **attributes):
    """SetQueueAttributes; the current policy is sent along, since moto drops it otherwise."""
    current = account.queue_attributes("infra-sample").get("Policy")
    account.sqs.set_queue_attributes(QueueUrl=account.queue_url("infra-sample"),
                                     Attributes={**({"Policy": current} if current else {}), **attributes})


def only_drift(account, plan):
    found = check_plan(plan, account.sqs, account.sns)
    assert len(found) == 1, found
    return found[0]


def test_nothing_applied_is_a_missing_queue_and_missing_topics(account, plan_for):
    """An empty account lacks the queue and the topics, each named."""
    found = check_plan(plan_for(), account.sqs, account.sns)
    assert any("queue infra-sample does not exist" in line for line in found)
    assert any(f"topic {ORDERS} does not exist" in line for line in found)


def test_a_handled_type_no_subscription_delivers(account, applied):
    """Without the orders subscription, order.placed is never delivered."""
    account.sns.unsubscribe(SubscriptionArn=subscription_of(account, ORDERS))
    line = only_drift(account, applied)
    assert ORDER_PLACED in line and ORDERS in line and "no subscription delivers it" in line
    assert "pubsub infra apply" in line


def test_a_filter_policy_that_drops_a_handled_type(account, applied):
    """A filter without the audit prefix drops the wildcard's types."""
    set_filter(account, AUDIT, {"media_type": [ORDER_PLACED]})
    line = only_drift(account, applied)
    assert f"drops media type {AUDIT_WILDCARD}" in line and "pubsub infra apply" in line


def test_a_subscription_delivering_types_nobody_handles(account, applied):
    """No filter, or an extra value, delivers messages the daemon would IGNORE."""
    set_filter(account, ORDERS, None)
    assert "delivers media types nobody handles (every media type)" in only_drift(account, applied)
    set_filter(account, ORDERS, {"media_type": [ORDER_PLACED, "application/vnd.infra-test.order.refunded",
                                                {"prefix": AUDIT_WILDCARD[:-1]}]})
    assert "(application/vnd.infra-test.order.refunded)" in only_drift(account, applied)


def test_a_subscription_from_a_topic_nothing_routes_to(account, applied):
    """A subscription on an unrelated topic is reported with the --prune fix."""
    legacy = account.sns.create_topic(Name="legacy")["TopicArn"]
    account.sns.subscribe(TopicArn=legacy, Protocol="sqs",
                          Endpoint=account.queue_attributes("infra-sample")["QueueArn"])
    line = only_drift(account, applied)
    assert legacy in line and "pubsub infra apply --prune" in line


def test_no_dead_letter_queue_or_another_redrive_count(account, applied):
    """The redrive count must be the configured attempts, and a DLQ must exist."""
    redrive = json.loads(account.queue_attributes("infra-sample")["RedrivePolicy"])
    set_queue(account, RedrivePolicy=json.dumps({**redrive, "maxReceiveCount": 10}))
    line = only_drift(account, applied)
    assert "after 10 receives, the config says 3 (sqs_message_dispatcher.message_max_processing_attempts)" in line
    set_queue(account, RedrivePolicy="")
    assert "has no dead-letter queue" in only_drift(account, applied)


def test_a_visibility_timeout_shorter_than_the_heartbeat_or_the_config_needs(account, plan_for):
    """The live timeout must be the configured one, and never below the heartbeat's minimum."""
    plan = plan_for(sqs_consumer=dict(visibility_timeout_seconds=120))
    apply_plan(plan, account.sqs, account.sns)
    set_queue(account, VisibilityTimeout="30")
    line = only_drift(account, plan)
    assert "visibility timeout 30 s" in line and "visibility_timeout_seconds = 120" in line
    unconfigured = plan_for()
    set_queue(account, VisibilityTimeout="2")
    assert "heartbeat needs at least 4 s" in only_drift(account, unconfigured)


def test_a_queue_policy_that_blocks_a_topic(account, applied):
    """A policy missing a topic, or denying it, blocks SNS delivery from it."""
    statement = applied.policy_statement(account.queue_attributes("infra-sample")["QueueArn"])
    statement["Condition"] = {"ArnEquals": {"aws:SourceArn": [ORDERS]}}
    deny = {**statement, "Sid": "no-audit", "Effect": "Deny", "Condition": {"ArnLike": {"aws:SourceArn": "*:audit"}}}
    set_queue(account, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert f"blocks topic {AUDIT}" in only_drift(account, applied)
    statement["Condition"] = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:*"}}
    set_queue(account, Policy=json.dumps({"Statement": [statement, deny]}))
    assert f"blocks topic {AUDIT}" in only_drift(account, applied)


def test_raw_delivery_other_than_configured(account, applied):
    """Raw delivery where the config says SNS-wrapped is a drift."""
    account.sns.set_subscription_attributes(SubscriptionArn=subscription_of(account, ORDERS),
                                            AttributeName="RawMessageDelivery", AttributeValue="true")
    assert "delivers raw messages, the config says SNS-wrapped" in only_drift(account, applied)


def test_check_is_a_deploy_gate(account, tmp_path, capsys):
    """Exit 1 with one `drift:` line each before apply, 0 after it."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sample_config()))
    args = ["infra", "check", "--daemon", "infra_sample:SampleDaemon", "--config", str(config)]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    assert all(line.startswith("drift: ") for line in capsys.readouterr().out.splitlines())
    with pytest.raises(SystemExit):
        main(["infra", "apply", "--daemon", "infra_sample:SampleDaemon", "--config", str(config)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--json"])
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out) == {"drifts": []}
