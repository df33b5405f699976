"""
Optional Dynatrace tracing of published and handled messages.

Without the `oneagent` SDK every helper here is a no-op, so producers and the dispatcher call
them unconditionally. With it, publishing opens an outgoing-message span and stores its tag in
the message's `opaqueData` under `x-dynatrace`; handling continues the trace from that tag.

"""
from contextlib import contextmanager
from json import dumps, loads
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from microcosm_pubsub.constants import REQUEST_ID_KEY


if TYPE_CHECKING:
    from microcosm_pubsub.message import SQSMessage

try:
    import oneagent
    from oneagent.common import ChannelType, MessagingDestinationType
    from oneagent.sdk import Channel
except ImportError:  # the Dynatrace SDK is optional
    oneagent = None
    Channel = None
    ChannelType = None
    MessagingDestinationType = None


OPAQUE_TAG_KEY = "x-dynatrace"
AWS_SNS = "SNS"
AWS_SQS = "SQS"


class StubOutgoingTracer:
    """Stands in for a Dynatrace tracer so callers need no `if tracing:` branches."""

    outgoing_dynatrace_string_tag = None

    def set_vendor_message_id(self, message_id: str) -> None:
        """Ignore the id: there is no span to attach it to."""

    def set_correlation_id(self, correlation_id: str) -> None:
        """Ignore the id: there is no span to attach it to."""


def _messaging_system(sdk: Any, vendor: str, name: str, destination_type: Any) -> Any:
    """Describe an SNS topic or SQS queue to the SDK."""
    return sdk.create_messaging_system_info(vendor, name, destination_type, Channel(ChannelType.TCP_IP, None))


def add_trace_to_message(tracer: Any, message: Any) -> None:
    """Put the tracer's tag into `message.message` (a JSON body) so the consumer can link to it."""
    tag = getattr(tracer, "outgoing_dynatrace_string_tag", None)
    if not tag:
        return
    try:
        body = loads(message.message)
        body.setdefault("opaqueData", {})[OPAQUE_TAG_KEY] = tag
        message.message = dumps(body)
    except (AttributeError, TypeError, ValueError):
        # Tracing must never stop a publish; the message goes out untagged.
        pass


@contextmanager
def trace_outgoing_message(topic_arn: str) -> Iterator[Any]:
    """Span one publish to `topic_arn`; yields a tracer (a stub without the SDK)."""
    if oneagent is None:
        yield StubOutgoingTracer()
        return
    sdk = oneagent.get_sdk()
    system = _messaging_system(sdk, AWS_SNS, topic_arn.split(":")[-1], MessagingDestinationType.TOPIC)
    with sdk.trace_outgoing_message(system) as tracer:
        yield tracer


@contextmanager
def trace_incoming_message_process(opaque: Mapping[str, Any], message: "SQSMessage", queue_url: str) -> Iterator[None]:
    """Span the handling of `message`, continuing the publisher's trace from the opaque tag."""
    if oneagent is None:
        yield
        return
    sdk = oneagent.get_sdk()
    system = _messaging_system(sdk, AWS_SQS, (queue_url or "").split("/")[-1], MessagingDestinationType.QUEUE)
    with sdk.trace_incoming_message_process(system, str_tag=opaque.get(OPAQUE_TAG_KEY)) as tracer:
        tracer.set_vendor_message_id(message.message_id)
        request_id = opaque.get(REQUEST_ID_KEY)
        if request_id:
            tracer.set_correlation_id(request_id)
        yield
