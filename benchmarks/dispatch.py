"""
In-process cost per message, no broker: a testing-mode graph (MagicMock AWS clients), a trivial
handler, and SNS-wrapped bodies shaped like a ReceiveMessage answer.

- parse: `sqs_consumer.parse(raw)` (unwrap, find the media type, decode with the schema);
- dispatch: `sqs_message_dispatcher.process_message(message, bound_handlers)` on parsed messages
  (context, validation, handler lookup, the handler, timing, the result's log line);
- parse + dispatch: both in one loop, as the engine's threads do them;
- parse + dispatch, INFO logged: the same with the result's INFO line formatted and written
  (to /dev/null), as a daemon that logs at INFO pays it. The other figures run with Python's
  default WARNING threshold, so that line is skipped.

"""
import logging
from contextlib import contextmanager
from os import devnull
from time import perf_counter
from typing import Callable, Iterator

from messages import MEDIA_TYPE, raw_receive_entries, sns_notification_body, testing_graph, trivial_handler


def microseconds_per_message(count: int, loop: Callable[[], None]) -> float:
    start = perf_counter()
    loop()
    return (perf_counter() - start) * 1e6 / count


@contextmanager
def info_logging_to_devnull() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    with open(devnull, "w") as sink:
        handler = logging.StreamHandler(sink)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handlers, root.handlers = root.handlers, [handler]
        root.setLevel(logging.INFO)
        try:
            yield
        finally:
            root.handlers = handlers
            root.setLevel(level)


def dispatch_costs(count: int) -> dict[str, float]:
    """One run: µs per message of parse, dispatch, and parse + dispatch, over `count` messages."""
    graph = testing_graph()
    consumer = graph.sqs_consumer
    dispatcher = graph.sqs_message_dispatcher
    bound_handlers = {MEDIA_TYPE: trivial_handler}
    raw_messages = raw_receive_entries(count, sns_notification_body())
    parsed: list = []

    def parse() -> None:
        parsed.extend(consumer.parse(raw) for raw in raw_messages)

    def dispatch() -> None:
        for message in parsed:
            dispatcher.process_message(message, bound_handlers)

    def both() -> None:
        for raw in raw_messages:
            dispatcher.process_message(consumer.parse(raw), bound_handlers)

    costs = dict(
        parse=microseconds_per_message(count, parse),
        dispatch=microseconds_per_message(count, dispatch),
        parse_and_dispatch=microseconds_per_message(count, both),
    )
    with info_logging_to_devnull():
        costs["parse_and_dispatch_logged"] = microseconds_per_message(count, both)
    failed = [message for message in parsed if message.content is None]
    if failed:
        raise RuntimeError(f"{len(failed)} bench messages did not decode: {failed[0].decode_error}")
    return costs
