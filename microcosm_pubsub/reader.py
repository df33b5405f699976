"""
Stand-ins for the SQS client that replay messages from a Lambda record, a file or stdin.

The consumer only ever calls `receive_message` and the delete / visibility calls, so a reader
that answers those can replace `sqs_consumer.sqs_client`: the same handlers then run over a
saved dump or a pipe, without AWS. There is nothing to delete or hide in a replay, so those
calls succeed without effect. Readers raise microcosm-daemon's `ExitError` when their input is
used up, which stops the daemon cleanly instead of polling an empty source forever.

"""
import sys
from json import JSONDecodeError, loads
from typing import Any, Iterator, Optional, TextIO

from microcosm_daemon.api import ExitError

from microcosm_pubsub.errors import PubSubError


class ReplayFormatError(PubSubError, ValueError):
    """A replayed line is not JSON; the message names the source and the line number."""


def _api_attributes(lambda_attributes: dict[str, Any]) -> dict[str, Any]:
    """Lambda's camelCase message attribute fields in the SQS API's PascalCase."""
    return {
        name: {key[:1].upper() + key[1:]: value for key, value in attribute.items()}
        for name, attribute in (lambda_attributes or {}).items()
    }


def lambda_record_to_message(record: dict[str, Any]) -> dict[str, Any]:
    """
    Give a Lambda SQS record the keys of a `ReceiveMessage` result, keeping its own keys.

    Both shapes are present so that `LambdaSQSEnvelope` (Lambda keys) and the SQS-shaped
    envelopes (`MessageId`, `Body`, ...) parse it alike. A record that already has `Body` is
    returned as is.

    """
    if "Body" in record:
        return dict(record)
    message = dict(record)
    message.update(
        MessageId=record.get("messageId"),
        ReceiptHandle=record.get("receiptHandle"),
        Body=record.get("body"),
        Attributes=dict(record.get("attributes") or {}),
        MessageAttributes=_api_attributes(record.get("messageAttributes")),
    )
    for lambda_key, api_key in (("md5OfBody", "MD5OfBody"), ("md5OfMessageAttributes", "MD5OfMessageAttributes")):
        if lambda_key in record:
            message[api_key] = record[lambda_key]
    return message


class _ReplayClient:
    """The no-op acknowledgement side shared by all readers."""

    def delete_message(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to delete in a replay."""

    def change_message_visibility(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to hide in a replay."""

    def delete_message_batch(self, Entries: list[dict[str, Any]], **kwargs: Any) -> dict[str, list]:
        """Report every entry as deleted, in the shape SQS answers."""
        return _all_successful(Entries)

    def change_message_visibility_batch(self, Entries: list[dict[str, Any]], **kwargs: Any) -> dict[str, list]:
        """Report every entry as changed, in the shape SQS answers."""
        return _all_successful(Entries)


def _all_successful(entries: list[dict[str, Any]]) -> dict[str, list]:
    """A batch response in which every entry succeeded."""
    return {"Successful": [{"Id": entry["Id"]} for entry in entries], "Failed": []}


class SQSJsonReader(_ReplayClient):
    """Deliver one Lambda SQS record once, then signal the end of input."""

    def __init__(self, record: dict[str, Any]):
        self.record = record
        self.delivered = False

    def receive_message(self, **kwargs: Any) -> dict[str, list]:
        """The record as a one-message batch on the first call; `ExitError` afterwards."""
        if self.delivered:
            raise ExitError("The Lambda record has been delivered")
        self.delivered = True
        return {"Messages": [lambda_record_to_message(self.record)]}


class _LineReader(_ReplayClient):
    """
    Deliver JSON lines, up to `MaxNumberOfMessages` a call; blank lines are skipped.

    Each line is delivered as parsed: a full SQS message (`MessageId`, `Body`, ...) for the
    default envelope, or a bare message body (`mediaType`, ...) for `NaiveSQSEnvelope`.

    """

    source = "input"

    def __init__(self) -> None:
        self.line_number = 0

    def _stream(self) -> TextIO:
        raise NotImplementedError

    def _next_line(self) -> Optional[str]:
        """The next non-blank line, or None at the end of input."""
        stream = self._stream()
        if stream.closed:
            return None
        for line in iter(stream.readline, ""):
            self.line_number += 1
            if line.strip():
                return line
        return None

    def _parse(self, line: str) -> Any:
        try:
            return loads(line)
        except JSONDecodeError as error:
            raise ReplayFormatError(
                f"line {self.line_number} of {self.source} is not JSON ({error.msg}): "
                "write one JSON message per line",
            ) from error

    def _lines(self, limit: int) -> Iterator[Any]:
        for _ in range(limit):
            line = self._next_line()
            if line is None:
                return
            yield self._parse(line)

    def receive_message(self, MaxNumberOfMessages: int = 1, **kwargs: Any) -> dict[str, list]:
        """Up to `MaxNumberOfMessages` messages; `ExitError` once the input is used up."""
        messages = list(self._lines(MaxNumberOfMessages))
        if not messages:
            self.close()
            raise ExitError(f"No more messages to replay from {self.source}")
        return {"Messages": messages}

    def close(self) -> None:
        """Release the input; called at its end (stdin itself is left open)."""


class SQSFileReader(_LineReader):
    """Replay a JSON lines file, e.g. a dump of a queue, as if it were the queue."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.source = str(path)
        self.file: TextIO = open(path, encoding="utf-8")

    def _stream(self) -> TextIO:
        return self.file

    def close(self) -> None:
        """Close the file; later receives raise `ExitError`."""
        self.file.close()


class SQSStdInReader(_LineReader):
    """Replay JSON lines piped to stdin (`--stdin`), one message body a line."""

    source = "stdin"

    def _stream(self) -> TextIO:
        # Looked up per call so a replaced `sys.stdin` (tests, redirection) is honoured.
        return sys.stdin
