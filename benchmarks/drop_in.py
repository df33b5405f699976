"""
The drop-in path's cost per message: `dispatcher.handle_batch` over a stub SQS client.

A testing-mode graph whose `sqs_consumer.sqs_client` is a stub answering every ReceiveMessage
with the same 10 SNS-wrapped messages and accepting every delete (no MagicMock: its own call
bookkeeping would be measured). INFO logging is on, as in a daemon, written to /dev/null through
a formatter. The floor is what no consumer can skip: two `json.loads` per message (the SQS body,
then the SNS `Message` inside it). The bound adds to the floor the one INFO result record per
message (the same text and fields through the same handler) that the earlier library writes and
a drop-in must keep: no dispatcher that logs as the earlier one does can be cheaper than it.

"""
import logging
from json import loads
from time import perf_counter
from typing import Any

from dispatch import info_logging_to_devnull
from messages import MEDIA_TYPE, raw_receive_entries, sns_notification_body, testing_graph, trivial_handler


class StubSQSClient:
    """Answers each receive with the same batch; deletes and visibility changes are accepted."""

    def __init__(self, messages: list[dict]):
        self.answer = {"Messages": messages}

    def receive_message(self, **kwargs: Any) -> dict:
        return self.answer

    def delete_message(self, **kwargs: Any) -> dict:
        return {}

    def change_message_visibility(self, **kwargs: Any) -> dict:
        return {}


class RecordCapture(logging.Handler):
    """Keeps the records it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def result_record(dispatcher: Any, bound_handlers: dict) -> tuple[str, dict]:
    """The text and `extra` fields of the INFO result record one handled message writes."""
    capture = RecordCapture()
    logger = dispatcher.logger
    level, propagate = logger.level, logger.propagate
    logger.addHandler(capture)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        dispatcher.handle_batch(bound_handlers)
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
        logger.propagate = propagate
    record = capture.records[0]
    plain = {*vars(logging.LogRecord("", 0, "", 0, "", (), None)), "message", "asctime"}
    return record.getMessage(), {key: value for key, value in vars(record).items() if key not in plain}


def handle_batch_costs(batches: int) -> dict[str, float]:
    """µs per message of `handle_batch` (INFO logged), of the two-`json.loads` floor, and of the bound."""
    graph = testing_graph()
    raw = raw_receive_entries(10, sns_notification_body())
    graph.sqs_consumer.sqs_client = StubSQSClient(raw)
    dispatcher = graph.sqs_message_dispatcher
    bound_handlers = {MEDIA_TYPE: trivial_handler}
    count = batches * 10
    with info_logging_to_devnull():
        start = perf_counter()
        for _ in range(batches):
            results = dispatcher.handle_batch(bound_handlers)
        ours = (perf_counter() - start) * 1e6 / count
    if any(result.result.name != "SUCCEEDED" for result in results):
        raise RuntimeError(f"drop-in bench messages were not handled: {results[0]}")
    start = perf_counter()
    for _ in range(batches):
        for message in raw:
            loads(loads(message["Body"])["Message"])
    floor = (perf_counter() - start) * 1e6 / count
    line, fields = result_record(dispatcher, bound_handlers)
    logger = dispatcher.logger
    with info_logging_to_devnull():
        start = perf_counter()
        for _ in range(batches):
            for message in raw:
                loads(loads(message["Body"])["Message"])
                logger.info(line, extra=fields)
        bound = (perf_counter() - start) * 1e6 / count
    return dict(handle_batch=ours, floor=floor, bound=bound)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    for _ in range(3):
        print(handle_batch_costs(2000))
