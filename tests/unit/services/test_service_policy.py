"""`ReplyPolicy`: the reasons a reply queue is refused name the setting that would accept it."""
from microcosm_pubsub.service_policy import ReplyPolicy
from microcosm_pubsub.service_protocol import reply_signature


HOME = "https://sqs.us-east-1.amazonaws.com/123456789012/svc"
CLIENT = "https://sqs.us-east-1.amazonaws.com/123456789012/pubsub-reply-0123456789abcdef0123456789abcdef"


def request(reply_to, **fields):
    return dict(request_id="r-1", reply_to=reply_to, **fields)


def test_a_service_off_an_sqs_url_answers_listed_queues_only():
    """Consuming stdin, a file or a Lambda event there is no home account: only the allow-list is answered."""
    policy = ReplyPolicy("STDIN", allowed_reply_queues=[f" {CLIENT} ", ""])
    assert policy.refusal(request(CLIENT)) is None
    refusal = policy.refusal(request(CLIENT.replace("0123", "4567")))
    assert "cannot be checked" in refusal and "pubsub_service.allowed_reply_queues" in refusal


def test_a_different_prefix_names_both_settings():
    """A client with another `reply_queue_prefix` is refused with the two settings that must agree."""
    refusal = ReplyPolicy(HOME, reply_queue_prefix="svc-reply").refusal(request(CLIENT))
    assert "service_client.reply_queue_prefix must equal pubsub_service.reply_queue_prefix" in refusal


def test_the_signature_is_required_even_for_listed_queues():
    """With a signing key, an allow-listed queue is answered only when the request is signed for it."""
    policy = ReplyPolicy(HOME, allowed_reply_queues=[CLIENT], signing_key="k")
    assert "has no replySignature" in policy.refusal(request(CLIENT))
    assert "does not match" in policy.refusal(request(CLIENT, reply_signature="f" * 64))
    assert policy.refusal(request(CLIENT, reply_signature=reply_signature("k", CLIENT, "r-1"))) is None
