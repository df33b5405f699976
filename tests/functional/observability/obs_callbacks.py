"""A callback for `pubsub consume` in the observability tests: fails messages whose `fail` is set."""


def judge(message):
    """Succeed, or raise when the message asks to fail."""
    if message.content.get("fail"):
        raise RuntimeError("asked to fail")
