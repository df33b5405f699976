"""
The `pubsub` command: publish a message, read a queue, run a callback consumer.

Only the standard library is imported up front; each subcommand imports what it uses, and
`consume --callback` imports nothing but the module its user names.

"""
from argparse import ArgumentParser, Namespace
from json import dumps, loads
from sys import exit, stderr, stdout
from typing import Any, Optional


def main(argv: Optional[list[str]] = None) -> None:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        exit(2)
    exit(args.func(args) or 0)


def make_parser() -> ArgumentParser:
    from microcosm_pubsub.arguments import visibility_seconds, wait_seconds

    parser = ArgumentParser(prog="pubsub", description="Publish and consume microcosm_pubsub messages")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--profile", help="AWS profile (credentials come from boto3's usual chain)")
    parser.add_argument("--region", help="AWS region")
    parser.add_argument("--endpoint-url", help="SNS/SQS endpoint, e.g. a local moto server")
    parser.add_argument("--large-payload-bucket",
                        help="S3 bucket of large messages: publish them through it, read their payloads from it")
    subparsers = parser.add_subparsers()

    for name in ("publish", "write"):
        publish_parser = subparsers.add_parser(name, help="publish one message to a topic")
        publish_parser.add_argument("--topic-arn", required=True)
        publish_parser.add_argument("--media-type", required=True,
                                    help="a media type, or a resource name for its created() type")
        publish_parser.add_argument("--uri", help="the message's uri field")
        publish_parser.add_argument("--data", default="{}", help="other fields, as a JSON object")
        publish_parser.set_defaults(func=publish)

    read_parser = subparsers.add_parser("read", help="receive one batch, print it, ack (or nack) it")
    read_parser.add_argument("--queue-url", "--sqs-queue-url", dest="queue_url", required=True)
    read_parser.add_argument("--nack", action="store_true", help="return the messages instead of deleting them")
    read_parser.add_argument("--nack-timeout", default=1, type=visibility_seconds)
    read_parser.add_argument("--wait-seconds", default=1, type=wait_seconds)
    read_parser.set_defaults(func=read)

    from microcosm_pubsub.callback_consumer import add_consume_parser, add_systemd_parser

    add_consume_parser(subparsers)
    add_systemd_parser(subparsers)

    from microcosm_pubsub.infra.cli import add_dlq_parser, add_infra_parser

    add_infra_parser(subparsers)
    add_dlq_parser(subparsers)

    from microcosm_pubsub.observability.top import add_top_parser

    add_top_parser(subparsers)
    return parser


def aws_config(args: Namespace, component: str, **extra: Any) -> dict:
    settings = dict(profile_name=args.profile, region_name=args.region, endpoint_url=args.endpoint_url,
                    large_payload_bucket=getattr(args, "large_payload_bucket", None))
    return {component: {**{key: value for key, value in settings.items() if value}, **extra}}


def publish(args: Namespace) -> int:
    from microcosm.api import create_object_graph
    from microcosm.loaders import load_from_dict

    from microcosm_pubsub.conventions import created

    try:
        fields = loads(args.data)
    except ValueError as error:
        print(f"pubsub publish: --data is not JSON ({error}): pass an object such as '{{\"id\": \"1\"}}'",
              file=stderr)
        return 2
    if not isinstance(fields, dict):
        print("pubsub publish: --data must be a JSON object", file=stderr)
        return 2
    loader = load_from_dict(
        **aws_config(args, "sns_producer", skip=False),
        sns_topic_arns=dict(default=args.topic_arn),
    )
    graph = create_object_graph("pubsub", debug=args.debug, loader=loader)
    graph.use("opaque", "pubsub_message_schema_registry", "sns_topic_arns", "sns_producer")
    graph.lock()
    media_type = args.media_type if args.media_type.startswith("application") else created(args.media_type)
    if args.uri:
        fields["uri"] = args.uri
    message_id = graph.sns_producer.produce(media_type, fields)
    print(f"Wrote SNS message: {message_id}")
    return 0


def read(args: Namespace) -> int:
    from microcosm.api import create_object_graph
    from microcosm.loaders import load_from_dict

    from microcosm_pubsub.log_safety import printable

    loader = load_from_dict(**aws_config(args, "sqs_consumer", sqs_queue_url=args.queue_url,
                                         wait_seconds=args.wait_seconds))
    graph = create_object_graph("pubsub", debug=args.debug, loader=loader)
    graph.use("pubsub_message_schema_registry", "sqs_consumer")
    graph.lock()
    for message in graph.sqs_consumer.consume():
        print(f"Read SQS message: {printable(message.message_id)} ({message.approximate_receive_count}) "
              f"{printable(message.media_type)} {dumps(message.content, default=str)}")
        if args.nack:
            message.nack(args.nack_timeout)
        else:
            message.ack()
    return 0


def make_naive_message() -> None:
    """`publish-naive`: print a convention message as a JSON line (for `--stdin` daemons)."""
    from microcosm_pubsub.conventions import changed, created

    parser = ArgumentParser(prog="publish-naive")
    parser.add_argument("--action", choices=["created", "changed"], default="created")
    parser.add_argument("--resource-name", required=True)
    parser.add_argument("--uri", required=True)
    args = parser.parse_args()
    action = dict(created=created, changed=changed)[args.action]
    stdout.write(dumps(dict(mediaType=action(args.resource_name), uri=args.uri)))


if __name__ == "__main__":
    main()
