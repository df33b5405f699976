"""
A ConsumerDaemon whose handler is a ChainURIHandler: fetch the order, total its lines, record it.

"""
import os

from microcosm.api import binding

from microcosm_pubsub.chain import Chain, extract, extracts, when
from microcosm_pubsub.conventions import created
from microcosm_pubsub.daemon import ConsumerDaemon
from microcosm_pubsub.decorators import handles
from microcosm_pubsub.handlers import ChainURIHandler


@binding("chain_order_handler")
@handles(created("chain_order"))
class ChainOrderHandler(ChainURIHandler):
    resource_name = "order"

    def get_chain(self):
        return Chain(
            extract("lines", "order", "lines"),
            self.total,
            when("total").then(self.record).otherwise(self.record_empty),
        )

    @extracts("total")
    def total(self, lines):
        return sum(line["quantity"] * line["price"] for line in lines)

    def record(self, order, total, uri):
        write(f"order {order['id']} total {total} from {uri}")

    def record_empty(self, order):
        write(f"order {order['id']} is empty")


def write(line):
    with open(os.environ["CHAIN_RESULTS"], "a") as results:
        results.write(line + "\n")


class ChainDaemon(ConsumerDaemon):
    name = "chain_daemon"
    components = ConsumerDaemon.components + ["chain_order_handler"]


if __name__ == "__main__":
    ChainDaemon().run()
