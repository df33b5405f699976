"""
The drop-in path's cost per message: `dispatcher.handle_batch` over a stub SQS client.

A testing-mode graph whose `sqs_consumer.sqs_client` is a stub answering every ReceiveMessage
with the same 10 SNS-wrapped messages and accepting every delete (no MagicMock: its own call
bookkeeping would be measured). INFO logging is on, as in a daemon, written to /dev/null through
a formatter. The floor is what no consumer can skip: two `json.loads` per message (the SQS body,
then the SNS `Message` inside it).

"""
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


def handle_batch_costs(batches: int) -> dict[str, float]:
    """µs per message of `handle_batch` (INFO logged) and of the two-`json.loads` floor."""
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
    return dict(handle_batch=ours, floor=floor)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    for _ in range(3):
        print(handle_batch_costs(2000))
