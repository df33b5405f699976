"""
Plans computed from what a consumer handles and its config.

"""
import json

import pytest
from infra_support import AUDIT, EVERYTHING, ORDERS
from infra_sample import AUDIT_WILDCARD, ORDER_PLACED

from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.infra.plan import filter_policy
from microcosm_pubsub.main import main


def test_daemon_plan_subscribes_only_the_topics_its_types_route_to(plan_for):
    """The exact type and the wildcard each bring their topic; the default topic is not needed."""
    plan = plan_for()
    assert plan.handled == (AUDIT_WILDCARD, ORDER_PLACED)
    assert plan.topics == [AUDIT, ORDERS]
    assert {s.topic_arn: s.media_types for s in plan.subscriptions} == {
        AUDIT: (AUDIT_WILDCARD,), ORDERS: (ORDER_PLACED,),
    }
    assert plan.subscriptions[0].filter_policy == {
        "media_type": [ORDER_PLACED, {"prefix": "application/vnd.infra-test.audit."}],
    }


def test_queue_dead_letter_queue_and_policy_come_from_config(plan_for):
    """maxReceiveCount is message_max_processing_attempts; the policy lets exactly the topics send."""
    plan = plan_for(sqs_consumer=dict(visibility_timeout_seconds=90))
    assert (plan.queue.name, plan.queue.dead_letter_queue_name) == ("infra-sample", "infra-sample-dlq")
    assert plan.queue.max_receive_count == 3
    assert plan.queue.visibility_timeout_seconds == 90
    statement = plan.policy_statement("arn:aws:sqs:us-east-1:123456789012:infra-sample")
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [AUDIT, ORDERS]}}
    assert statement["Action"] == "sqs:SendMessage"


def test_queue_url_names_the_queue_and_a_fifo_name_makes_fifo_queues(plan_for):
    """The queue URL's last segment is the name; `.fifo` makes both queues FIFO."""
    plan = plan_for(queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo")
    assert (plan.queue.name, plan.queue.fifo, plan.queue.dead_letter_queue_name) == \
        ("orders.fifo", True, "orders-dlq.fifo")
    assert plan_for(pubsub_infra=dict(queue_name="billing", fifo=True)).queue.name == "billing.fifo"


def test_wildcard_without_its_own_topic_falls_back_to_the_default(plan_for):
    """Types under an unmapped wildcard are published to the default topic."""
    plan = plan_for(sns_topic_arns=dict(mappings={ORDER_PLACED: ORDERS}))
    assert plan.topics == [EVERYTHING, ORDERS]


def test_a_type_with_no_topic_is_a_warning(plan_for):
    """Nothing can deliver a type no producer routes: the plan says which key to set."""
    plan = plan_for(sns_topic_arns=dict(default=None, mappings={ORDER_PLACED: ORDERS}))
    assert plan.unrouted == (AUDIT_WILDCARD,)
    assert any("sns_topic_arns" in warning and AUDIT_WILDCARD in warning for warning in plan.warnings)


def test_service_plan_filters_on_its_request_prefix(plan_for):
    """A PubSubService handles its requests' wildcard, routed by the default topic here."""
    plan = plan_for("service", "infra_sample:SampleService")
    assert plan.topics == [EVERYTHING]
    assert plan.subscriptions[0].filter_policy == {
        "media_type": [{"prefix": "application/vnd.globality.pubsub._.request.inventory."}],
    }


def test_callback_plan_takes_every_topic_unfiltered(plan_for):
    """A callback receives every message of its queue, so nothing is filtered out."""
    plan = plan_for("callback", "infra_sample:sample_callback")
    assert plan.topics == [AUDIT, EVERYTHING, ORDERS]
    assert all(s.filter_policy is None for s in plan.subscriptions)
    assert "FilterPolicy" not in plan.subscriptions[0].attributes()


def test_too_many_types_for_one_filter_policy_names_the_limit():
    """SNS holds 150 values per filter; past that the error says to bind a wildcard."""
    with pytest.raises(ConfigurationError, match="at most 150.*wildcard"):
        filter_policy(f"application/vnd.x.type{index}" for index in range(151))


def test_cli_plan_prints_json_and_a_table(tmp_path, capsys):
    """`pubsub infra plan --json` is the plan; without it a table names topics and filters."""
    from infra_support import sample_config

    config = tmp_path / "config.json"
    config.write_text(json.dumps(sample_config()))
    with pytest.raises(SystemExit) as exit_info:
        main(["infra", "plan", "--daemon", "infra_sample:SampleDaemon", "--config", str(config), "--json"])
    assert exit_info.value.code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["queue"]["max_receive_count"] == 3
    assert [s["topic_arn"] for s in printed["subscriptions"]] == [AUDIT, ORDERS]
    with pytest.raises(SystemExit):
        main(["infra", "plan", "--daemon", "infra_sample:SampleDaemon", "--config", str(config)])
    table = capsys.readouterr().out
    assert "infra-sample-dlq after 3 receives" in table and f"prefix {AUDIT_WILDCARD[:-1]}" in table


def test_cli_names_a_bad_target(capsys):
    """A module that does not import exits 2 naming the module and the flag."""
    with pytest.raises(SystemExit) as exit_info:
        main(["infra", "plan", "--daemon", "no_such_module_here:Daemon"])
    assert exit_info.value.code == 2
    assert "no_such_module_here" in capsys.readouterr().err
