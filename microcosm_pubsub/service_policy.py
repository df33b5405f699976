"""
`pubsub_service`: which reply queues a `PubSubService` answers, and how much its errors tell.

Why a service checks `replyTo`: whoever publishes a request writes it, and a service that
answered any queue would write, with its own credentials, into queues of other applications,
other callers, other accounts and regions (a confused deputy). The naming check keeps replies
among this service's clients; only `signing_key` stops a publisher from naming another caller's
reply queue, since the naming is public.

"""
from typing import Any, Optional

from microcosm.api import binding, defaults, typed
from microcosm.config.types import boolean, comma_separated_list

from microcosm_pubsub.service_protocol import is_reply_queue_name, is_signed, queue_address


class ReplyPolicy:
    """
    Which `replyTo` queues a service answers, and how much an error reply tells.

    Accepted: a queue named like its clients' reply queues (`<reply_queue_prefix>-<32 hex>`) at
    the endpoint (scheme and region, or host) and in the account of the service's own queue, or
    a URL in `allowed_reply_queues`. With a `signing_key`, the request must also carry the
    `replySignature` a client with the same key computes: the naming alone lets any publisher
    name another caller's reply queue.

    """

    def __init__(self, own_queue_url: Any, reply_queue_prefix: str = "pubsub-reply",
                 allowed_reply_queues: Any = (), signing_key: Optional[str] = None, error_details: bool = False):
        self.own_queue_url = own_queue_url
        self.home = queue_address(own_queue_url)
        self.reply_queue_prefix = reply_queue_prefix
        self.allowed_reply_queues = frozenset(url.strip() for url in allowed_reply_queues if url.strip())
        self.signing_key = signing_key or None
        self.error_details = error_details

    def refusal(self, content: dict) -> Optional[str]:
        """Why the request's reply queue is refused (naming the fix), or None when it is answered."""
        reply_to, signature = content.get("reply_to"), content.get("reply_signature")
        if self.signing_key and not is_signed(self.signing_key, reply_to, content.get("request_id"), signature):
            problem = "has no replySignature" if signature is None else "has a replySignature that does not match"
            return f"{problem}: callers need service_client.signing_key equal to pubsub_service.signing_key"
        if reply_to in self.allowed_reply_queues:
            return None
        return self.naming_refusal(reply_to)

    def naming_refusal(self, reply_to: Any) -> Optional[str]:
        """Why `reply_to` is not a reply queue of this service's clients, or None when it is one."""
        address = queue_address(reply_to)
        if address is None:
            return "is not an SQS queue URL (https://<host>/<account>/<name>)"
        if self.home is None:
            return (f"cannot be checked: this service's queue {self.own_queue_url!r} is not an SQS URL; "
                    "list it in pubsub_service.allowed_reply_queues")
        if (address.endpoint, address.account) != (self.home.endpoint, self.home.account):
            return (f"is not in the account and region of this service's queue {self.own_queue_url}; "
                    "list it in pubsub_service.allowed_reply_queues to answer it")
        if not is_reply_queue_name(address.name, self.reply_queue_prefix):
            return (f"is not named {self.reply_queue_prefix}-<32 hex digits>: callers' "
                    "service_client.reply_queue_prefix must equal pubsub_service.reply_queue_prefix")
        return None


@binding("pubsub_service")
@defaults(
    # callers' service_client.reply_queue_prefix: <prefix>-<32 hex> queues beside this service's are answered
    reply_queue_prefix="pubsub-reply",
    # reply queue URLs answered whatever their name, account or region (comma-separated in env vars)
    allowed_reply_queues=typed(comma_separated_list, default_value=[]),
    # a key shared with callers (their service_client.signing_key): unsigned or missigned requests are refused
    signing_key=None,
    # error replies also list the exposed methods (unknown method) and carry the remote traceback
    error_details=typed(boolean, default_value=False),
)
def configure_pubsub_service(graph: Any) -> ReplyPolicy:
    """The `pubsub_service` component: the reply policy of the service consuming `sqs_consumer`'s queue."""
    config = graph.config.pubsub_service
    return ReplyPolicy(
        graph.sqs_consumer.sqs_queue_url,
        reply_queue_prefix=config.reply_queue_prefix,
        allowed_reply_queues=config.allowed_reply_queues,
        signing_key=config.signing_key,
        error_details=config.error_details,
    )
