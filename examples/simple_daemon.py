"""
A consumer daemon, written the way the earlier library's README shows.

    AWS_ENDPOINT_URL=http://127.0.0.1:5000 python examples/simple_daemon.py --sqs-queue-url URL

"""
from microcosm.api import binding

from microcosm_pubsub.conventions import created
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles

from simple_schema import SimpleSchema


@binding("simple_handler")
@handles(SimpleSchema)
class SimpleHandler(object):
    def __init__(self, graph):
        self.graph = graph

    def __call__(self, message):
        print(f"handled {SimpleSchema.MEDIA_TYPE}: {message['message']}", flush=True)
        return True


@handles(created("order"))
def handle_order(message):
    print(f"handled {created('order')}: {message['uri']}", flush=True)
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
