"""
Publish a few messages, the way the earlier library's README shows.

    AWS_ENDPOINT_URL=http://127.0.0.1:5000 python examples/simple_producer.py --topic-arn ARN --count 3

"""
from argparse import ArgumentParser
from time import time

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict

from microcosm_pubsub.conventions import created

from simple_schema import SimpleSchema


def make_graph(topic_arn):
    graph = create_object_graph(
        name="example",
        loader=load_from_dict(
            sns_topic_arns=dict(default=topic_arn),
            sns_producer=dict(skip=False),
        ),
    )
    graph.use("opaque", "pubsub_message_schema_registry", "sns_topic_arns", "sns_producer")
    graph.lock()
    return graph


def main():
    parser = ArgumentParser()
    parser.add_argument("--topic-arn", required=True)
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args()
    graph = make_graph(args.topic_arn)

    for index in range(args.count):
        message_id = graph.sns_producer.produce(
            SimpleSchema.MEDIA_TYPE,
            message=f"hello {index}",
            timestamp=time(),
        )
        print(f"produced {SimpleSchema.MEDIA_TYPE} message {message_id}", flush=True)

    # convention-named media types need no schema of their own: a URI message
    message_id = graph.sns_producer.produce(created("order"), uri="http://localhost/api/v1/order/1")
    print(f"produced {created('order')} message {message_id}", flush=True)


if __name__ == "__main__":
    main()
