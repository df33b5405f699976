"""
Tests for the replay readers that stand in for the SQS client.

"""
import io
from json import dumps

import pytest
from hamcrest import assert_that, contains_exactly, equal_to, has_entries, has_length, is_
from microcosm_daemon.api import ExitError

from microcosm_pubsub.errors import PubSubError
from microcosm_pubsub.reader import SQSFileReader, SQSJsonReader, SQSStdInReader


BODIES = [{"mediaType": "application/vnd.test", "n": n} for n in range(3)]


@pytest.fixture
def lambda_record():
    """A record as AWS Lambda delivers it from an SQS event source."""
    return {
        "messageId": "m-1",
        "receiptHandle": "rh-1",
        "body": dumps(BODIES[0]),
        "attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1"},
        "messageAttributes": {"media_type": {"stringValue": "application/vnd.test", "dataType": "String"}},
        "md5OfBody": "abc",
        "eventSource": "aws:sqs",
    }


@pytest.fixture
def lines_file(tmp_path):
    path = tmp_path / "messages.jsonl"
    path.write_text("\n".join(dumps(body) for body in BODIES) + "\n\n")
    return str(path)


def test_json_reader_gives_the_sqs_api_shape(lambda_record):
    """The Lambda record comes back as a ReceiveMessage message, its own keys kept."""
    messages = SQSJsonReader(lambda_record).receive_message(MaxNumberOfMessages=10)["Messages"]

    assert_that(messages, has_length(1))
    assert_that(messages[0], has_entries(
        MessageId="m-1",
        ReceiptHandle="rh-1",
        Body=lambda_record["body"],
        Attributes={"ApproximateReceiveCount": "3", "SentTimestamp": "1"},
        MessageAttributes={"media_type": {"StringValue": "application/vnd.test", "DataType": "String"}},
        MD5OfBody="abc",
        messageId="m-1",
        body=lambda_record["body"],
    ))


def test_json_reader_delivers_once(lambda_record):
    """A second receive raises ExitError instead of handling the record twice."""
    reader = SQSJsonReader(lambda_record)
    reader.receive_message()

    with pytest.raises(ExitError):
        reader.receive_message()


def test_json_reader_passes_sqs_shaped_records_through():
    """A record already in the SQS API shape is delivered unchanged."""
    record = {"MessageId": "m", "ReceiptHandle": "r", "Body": "{}"}

    assert_that(SQSJsonReader(record).receive_message()["Messages"], is_(equal_to([record])))


def test_file_reader_respects_max_number_of_messages(lines_file):
    """Each receive returns at most MaxNumberOfMessages lines, in file order."""
    reader = SQSFileReader(lines_file)

    first = reader.receive_message(MaxNumberOfMessages=2)["Messages"]
    second = reader.receive_message(MaxNumberOfMessages=2)["Messages"]

    assert_that(first, is_(equal_to(BODIES[:2])))
    assert_that(second, is_(equal_to(BODIES[2:])))
    reader.close()


def test_file_reader_raises_exit_error_at_end_of_file(lines_file):
    """Once the file is used up (trailing blank lines ignored), receive raises ExitError, and keeps doing so."""
    reader = SQSFileReader(lines_file)
    reader.receive_message(MaxNumberOfMessages=10)

    for _ in range(2):
        with pytest.raises(ExitError):
            reader.receive_message(MaxNumberOfMessages=10)


def test_file_reader_names_a_bad_line(tmp_path):
    """A line that is not JSON raises a PubSubError naming the file and line."""
    path = tmp_path / "bad.jsonl"
    path.write_text(dumps(BODIES[0]) + "\nnot json\n")

    reader = SQSFileReader(str(path))

    with pytest.raises(PubSubError, match=r"line 2 of .*bad\.jsonl"):
        reader.receive_message(MaxNumberOfMessages=10)
    reader.close()


def test_stdin_reader_replays_piped_lines(monkeypatch):
    """Lines piped to stdin are delivered, then ExitError ends the replay."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(dumps(body) for body in BODIES)))
    reader = SQSStdInReader()

    assert_that(reader.receive_message(MaxNumberOfMessages=10)["Messages"], is_(equal_to(BODIES)))
    with pytest.raises(ExitError):
        reader.receive_message(MaxNumberOfMessages=10)


@pytest.mark.parametrize("reader_factory", [
    lambda path: SQSFileReader(path),
    lambda path: SQSStdInReader(),
    lambda path: SQSJsonReader({}),
])
def test_acknowledgements_are_no_ops(reader_factory, lines_file, request):
    """Deletes and visibility changes succeed without effect, singly and in batches."""
    reader = reader_factory(lines_file)
    request.addfinalizer(getattr(reader, "close", lambda: None))
    entries = [{"Id": "0", "ReceiptHandle": "a"}, {"Id": "1", "ReceiptHandle": "b"}]

    assert_that(reader.delete_message(QueueUrl="q", ReceiptHandle="a"), is_(equal_to(None)))
    assert_that(reader.change_message_visibility(QueueUrl="q", ReceiptHandle="a", VisibilityTimeout=0), is_(None))
    for response in (
        reader.delete_message_batch(QueueUrl="q", Entries=entries),
        reader.change_message_visibility_batch(QueueUrl="q", Entries=entries),
    ):
        assert_that(response["Successful"], contains_exactly({"Id": "0"}, {"Id": "1"}))
        assert_that(response["Failed"], is_(equal_to([])))
