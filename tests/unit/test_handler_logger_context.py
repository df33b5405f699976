"""
A handler's own logger carries the message context without tripping over LogRecord's names.

"""
import logging
from json import dumps

from microcosm_pubsub.conventions import created
from microcosm_pubsub.result import MessageHandlingResultType


REPORT = created("core_found_bugs_report")


class LoggingHandler:
    """A class handler with its own logger (as `@logger` from microcosm_logging gives it)."""

    logger = logging.getLogger("core.found_bugs")

    def __call__(self, content):
        self.logger.info("handling a report")
        return True


def test_handler_logger_with_opaque_key_colliding_with_log_record(core_graph, core_broker, caplog):
    """
    An opaque key named like a LogRecord attribute (`message`) must not break a handler that logs.

    dispatcher.OpaqueContextLogger.process merges the raw opaque into `extra` without renaming
    reserved keys, so logging raises KeyError("Attempt to overwrite 'message' in LogRecord").

    """
    caplog.set_level(logging.INFO)
    core_broker.send(dumps(dict(mediaType=REPORT, uri="http://example.com/1", opaqueData={"message": "m"})))
    [message] = core_graph.sqs_consumer.consume()

    result = core_graph.sqs_message_dispatcher.handle_message(message, {REPORT: LoggingHandler()})

    assert result.result is MessageHandlingResultType.SUCCEEDED
    assert any(record.getMessage() == "handling a report" for record in caplog.records)
