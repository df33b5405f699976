"""
A consumer daemon, written the way the earlier library's README shows.

    AWS_ENDPOINT_URL=http://127.0.0.1:5000 python examples/simple_daemon.py --sqs-queue-url URL

"""
import sys

from microcosm.api import binding

from microcosm_pubsub.conventions import created
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles

from simple_schema import SimpleSchema


def say(line):
    """Print a line in one write, so a log line from another thread cannot land inside it."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@binding("simple_handler")
@handles(SimpleSchema)
class SimpleHandler(object):
    def __init__(self, graph):
        self.graph = graph

    def __call__(self, message):
        say(f"handled {SimpleSchema.MEDIA_TYPE}: {message['message']}")
        return True


@handles(created("order"))
def handle_order(message):
    say(f"handled {created('order')}: {message['uri']}")
    return True


@binding("order_handler")
def configure_order_handler(graph):
    return handle_order


class SimpleConsumerDaemon(ConsumerDaemon):

    @property
    def name(self):
        return "example"

    @property
    def components(self):
        return super().components + ["simple_handler", "order_handler"]


if __name__ == '__main__':
    daemon = SimpleConsumerDaemon()
    daemon.run()
