"""
`pubsub dlq peek`: dead letters shown, none consumed.

"""
import json

import pytest
from infra_sample import AUDIT_LOGIN, ORDER_PLACED

from microcosm_pubsub.infra import peek
from microcosm_pubsub.infra.aws import InfraError
from microcosm_pubsub.main import main


@pytest.fixture
def dead_letters(account):
    """A DLQ holding one SNS-wrapped, one raw (with the attribute) and one undecodable message."""
    url = account.sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    wrapped = {"Type": "Notification", "MessageId": "n-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
               "Message": json.dumps({"mediaType": ORDER_PLACED, "id": "order-1"}),
               "MessageAttributes": {"media_type": {"Type": "String", "Value": ORDER_PLACED}}}
    account.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(wrapped))
    account.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"mediaType": AUDIT_LOGIN, "id": "a-1"}),
                             MessageAttributes={"media_type": {"DataType": "String", "StringValue": AUDIT_LOGIN}})
    account.sqs.send_message(QueueUrl=url, MessageBody="not json \x1b[31m" + "x" * 200)
    return url


def visible(account, url):
    attributes = account.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_peek_shows_media_type_and_body_and_leaves_every_message_visible(account, dead_letters):
    """Media types come from the attribute or the SNS envelope; the queue is as full afterwards."""
    letters = {letter.media_type: letter for letter in peek(account.sqs, "orders-dlq", 10)}
    assert set(letters) == {ORDER_PLACED, AUDIT_LOGIN, None}
    assert json.loads(letters[ORDER_PLACED].body) == {"mediaType": ORDER_PLACED, "id": "order-1"}
    assert letters[None].body.startswith("not json \\x1b[31m") and len(letters[None].body) < 120
    assert all(letter.receive_count == 1 and letter.age_seconds >= 0 for letter in letters.values())
    assert visible(account, dead_letters) == 3


def test_peek_n_limits_the_count(account, dead_letters):
    """--n 2 shows two, and still consumes none."""
    assert len(peek(account.sqs, dead_letters, 2)) == 2
    assert visible(account, dead_letters) == 3


def test_peek_of_a_missing_queue_names_it(account):
    """The error names the queue and what to check."""
    with pytest.raises(InfraError, match="queue nope does not exist"):
        peek(account.sqs, "nope")


def test_cli_peek_table_and_json(account, dead_letters, capsys):
    """The table has one row per message; --json the same fields."""
    with pytest.raises(SystemExit):
        main(["dlq", "peek", "orders-dlq", "--n", "5"])
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["MESSAGE", "ID", "MEDIA", "TYPE", "RECEIVES", "AGE", "BODY"]
    assert len(table) == 4
    with pytest.raises(SystemExit):
        main(["dlq", "peek", "orders-dlq", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert {row["media_type"] for row in rows} == {ORDER_PLACED, AUDIT_LOGIN, None}
    assert visible(account, dead_letters) == 3
