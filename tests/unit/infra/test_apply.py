"""
`apply`: from nothing to exactly the plan, and nothing more on a second run.

"""
import json

import pytest
from infra_sample import AUDIT_WILDCARD, ORDER_PLACED
from infra_support import AUDIT, ORDERS, sample_config

from microcosm_pubsub.infra import apply_plan, check_plan
from microcosm_pubsub.main import main


def test_apply_from_nothing_creates_queue_dlq_topics_subscriptions_and_policy(account, plan_for):
    """The queue redrives to its DLQ after 3 receives, each topic delivers through the plan's filter."""
    plan = plan_for()
    report = apply_plan(plan, account.sqs, account.sns)
    assert report.changes and not report.notes
    attributes = account.queue_attributes("infra-sample")
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 3
    assert redrive["deadLetterTargetArn"] == account.queue_attributes("infra-sample-dlq")["QueueArn"]
    statement = json.loads(attributes["Policy"])["Statement"][0]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [AUDIT, ORDERS]
    subscriptions = account.subscriptions("infra-sample")
    assert sorted(s["TopicArn"] for s in subscriptions) == [AUDIT, ORDERS]
    filters = {json.loads(account.sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])
                          ["Attributes"]["FilterPolicy"])["media_type"][0] for s in subscriptions}
    assert filters == {ORDER_PLACED}


def test_a_second_apply_reports_no_changes_and_makes_no_write_call(account, plan_for):
    """Idempotent: everything is compared first, so the rerun only reads."""
    plan = plan_for()
    apply_plan(plan, account.sqs, account.sns)
    account.writes.clear()
    report = apply_plan(plan, account.sqs, account.sns)
    assert report.changes == []
    assert account.writes == {}


def test_dry_run_lists_the_changes_and_writes_nothing(account, plan_for):
    """`--dry-run` is a plan against the live account: the same change lines, no write."""
    plan = plan_for()
    dry = apply_plan(plan, account.sqs, account.sns, dry_run=True)
    assert account.writes == {}
    real = apply_plan(plan, account.sqs, account.sns)
    assert len(dry.changes) == len(real.changes)
    assert [line.split(" ")[0] for line in dry.changes] == [line.split(" ")[0] for line in real.changes]


def test_apply_updates_what_drifted_and_keeps_foreign_policy_statements(account, plan_for):
    """A changed redrive count and filter are set back; another team's statement stays."""
    plan = plan_for()
    apply_plan(plan, account.sqs, account.sns)
    url = account.queue_url("infra-sample")
    policy = json.loads(account.queue_attributes("infra-sample")["Policy"])
    foreign = {"Sid": "their-lambda", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
               "Action": "sqs:ReceiveMessage", "Resource": "*"}
    policy["Statement"] = [foreign]
    redrive = json.loads(account.queue_attributes("infra-sample")["RedrivePolicy"])
    account.sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": json.dumps(policy), "RedrivePolicy": json.dumps({**redrive, "maxReceiveCount": 9})})
    subscription = account.subscriptions("infra-sample")[0]["SubscriptionArn"]
    account.sns.set_subscription_attributes(SubscriptionArn=subscription, AttributeName="FilterPolicy",
                                            AttributeValue=json.dumps({"media_type": [ORDER_PLACED]}))
    report = apply_plan(plan, account.sqs, account.sns)
    assert len(report.changes) == 2
    attributes = account.queue_attributes("infra-sample")
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 3
    assert [s["Sid"] for s in json.loads(attributes["Policy"])["Statement"]] == ["their-lambda",
                                                                                 "microcosm-pubsub-sns-delivery"]
    live_filter = account.sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]["FilterPolicy"]
    assert {"prefix": AUDIT_WILDCARD[:-1]} in json.loads(live_filter)["media_type"]


def test_a_stale_subscription_needs_prune_and_nothing_is_ever_deleted(account, plan_for):
    """A subscription from a topic nothing routes to is kept (with a note) until --prune."""
    plan = plan_for()
    apply_plan(plan, account.sqs, account.sns)
    stale_topic = account.sns.create_topic(Name="legacy")["TopicArn"]
    queue_arn = account.queue_attributes("infra-sample")["QueueArn"]
    account.sns.subscribe(TopicArn=stale_topic, Protocol="sqs", Endpoint=queue_arn)
    kept = apply_plan(plan, account.sqs, account.sns)
    assert kept.changes == [] and "--prune" in kept.notes[0]
    pruned = apply_plan(plan, account.sqs, account.sns, prune=True)
    assert len(pruned.changes) == 1 and pruned.changes[0].startswith("unsubscribe")
    assert stale_topic not in [s["TopicArn"] for s in account.subscriptions("infra-sample")]
    assert not {"DeleteQueue", "DeleteTopic"} & set(account.writes)
    assert stale_topic in [t["TopicArn"] for t in account.sns.list_topics()["Topics"]]


def test_fifo_plan_creates_fifo_queues(account, plan_for):
    """A FIFO queue gets a FIFO dead-letter queue (SQS requires it)."""
    plan = plan_for(pubsub_infra=dict(queue_name="ledger.fifo"),
                    sns_topic_arns=dict(mappings={ORDER_PLACED: "arn:aws:sns:us-east-1:123456789012:orders.fifo",
                                                  AUDIT_WILDCARD: "arn:aws:sns:us-east-1:123456789012:audit.fifo"}))
    apply_plan(plan, account.sqs, account.sns)
    assert account.queue_attributes("ledger.fifo")["FifoQueue"] == "true"
    assert account.queue_attributes("ledger-dlq.fifo")["FifoQueue"] == "true"
    assert len(account.subscriptions("ledger.fifo")) == 2


def test_services_and_callback_consumers_apply_and_check_clean(account, plan_for):
    """A PubSubService and a `consume --callback` consumer go through the same apply and check."""
    for kind, path in (("service", "infra_sample:SampleService"), ("callback", "infra_sample:sample_callback")):
        plan = plan_for(kind, path)
        assert apply_plan(plan, account.sqs, account.sns).changes
        assert check_plan(plan, account.sqs, account.sns) == []
    callback_queue = account.subscriptions("pubsub-consumer")
    assert len(callback_queue) == 3
    attributes = account.sns.get_subscription_attributes(SubscriptionArn=callback_queue[0]["SubscriptionArn"])
    assert "FilterPolicy" not in attributes["Attributes"]


def test_cli_dry_run_json_lists_changes_without_making_them(account, tmp_path, capsys):
    """`apply --dry-run` is the plan and what would change; the account stays empty."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sample_config()))
    with pytest.raises(SystemExit) as exit_info:
        main(["infra", "apply", "--daemon", "infra_sample:SampleDaemon", "--config", str(config),
              "--dry-run", "--json"])
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and any(change.startswith("create queue infra-sample") for change in report["changes"])
    assert report["plan"]["queue"]["dead_letter_queue_name"] == "infra-sample-dlq"
    assert account.writes == {}
    assert account.sqs.list_queues().get("QueueUrls", []) == []
