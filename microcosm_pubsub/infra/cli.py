"""
`pubsub infra plan|apply|check` and `pubsub dlq peek|redrive`.

Only the standard library is imported up front: a subcommand imports what it uses, and the
consumer's module is the only user module imported.

"""
from argparse import Namespace
from json import dumps
import sys
from typing import Any, Callable

from microcosm_pubsub.arguments import visibility_seconds, within


message_count = within(int, 1, 10 ** 9, "a whole number")
# StartMessageMoveTask's own ceiling (MaxNumberOfMessagesPerSecond)
messages_per_second = within(float, 0.01, 500, "messages per second")


TARGETS = ("daemon", "service", "callback")


def add_infra_parser(subparsers: Any) -> None:
    """`pubsub infra plan|apply|check`, each naming one daemon, service or callback."""
    parser = subparsers.add_parser("infra", help="plan, apply or check a consumer's queues and subscriptions")
    commands = parser.add_subparsers()
    for name, function, help_text in (
        ("plan", run_plan, "print what the consumer needs"),
        ("apply", run_apply, "create or update it (idempotent; never deletes a queue or topic)"),
        ("check", run_check, "compare the account with the plan; exit 1 on drift"),
    ):
        command = commands.add_parser(name, help=help_text)
        targets = command.add_mutually_exclusive_group(required=True)
        for target in TARGETS:
            targets.add_argument(f"--{target}", metavar="pkg.module:obj", help=f"the {target} to plan for")
        command.add_argument("--config",
                             help="TOML or JSON graph config (sns_topic_arns, sqs_consumer, pubsub_infra, ...)")
        command.add_argument("--sqs-queue-url",
                             help="the queue (else sqs_consumer.sqs_queue_url or pubsub_infra.queue_name)")
        command.add_argument("--json", action="store_true", help="print JSON instead of a table")
        if name == "apply":
            command.add_argument("--dry-run", action="store_true", help="print what would change (= plan)")
            command.add_argument("--prune", action="store_true", help="also remove subscriptions nothing handled needs")
        command.set_defaults(func=guarded(function), subcommand_name=f"infra {name}")


def add_dlq_parser(subparsers: Any) -> None:
    """`pubsub dlq peek|redrive`."""
    parser = subparsers.add_parser("dlq", help="look at dead letters and move them back")
    commands = parser.add_subparsers()
    peek = commands.add_parser("peek", help="show dead letters without consuming them")
    peek.add_argument("queue", metavar="QUEUE", help="queue URL or name")
    peek.add_argument("--n", type=message_count, default=10, help="how many (default 10)")
    peek.add_argument("--json", action="store_true")
    peek.set_defaults(func=guarded(run_peek), subcommand_name="dlq peek")
    redrive = commands.add_parser("redrive", help="move dead letters back to their queue")
    redrive.add_argument("--from", dest="source", required=True, metavar="DLQ", help="dead-letter queue URL or name")
    redrive.add_argument("--to", dest="target", metavar="QUEUE", help="destination (default: the DLQ's source queue)")
    redrive.add_argument("--max", type=message_count, default=None, help="move at most N messages")
    redrive.add_argument("--media-type", default=None, help="move only this media type (`prefix.*` allowed)")
    redrive.add_argument("--rate", type=messages_per_second, default=None, help="at most R messages per second")
    redrive.add_argument("--visibility-timeout", type=visibility_seconds, default=30,
                         help="seconds a message being moved stays hidden if the redrive dies (default 30)")
    redrive.set_defaults(func=guarded(run_redrive), subcommand_name="dlq redrive")


def guarded(function: Callable[[Namespace], int]) -> Callable[[Namespace], int]:
    """Configuration and account errors end the command with their message and exit code 2."""
    def run(args: Namespace) -> int:
        """Run the command; a configuration or account error is one line on stderr and exit 2."""
        from microcosm_pubsub.errors import PubSubError

        try:
            return function(args)
        except (PubSubError, OSError, ValueError) as error:
            print(f"pubsub {args.subcommand_name}: {error}", file=sys.stderr)
            return 2
    run.__name__ = function.__name__
    return run


def aws_settings(args: Namespace) -> dict:
    """The top-level --endpoint-url, --region and --profile, as boto3 names them."""
    return dict(endpoint_url=args.endpoint_url, region_name=args.region, profile_name=args.profile)


def build_plan(args: Namespace) -> tuple[Any, Any]:
    """(plan, consumer) for the target the command line names."""
    from microcosm_pubsub.callback_consumer import read_config_file
    from microcosm_pubsub.infra.plan import make_plan
    from microcosm_pubsub.infra.target import build_consumer

    config = read_config_file(args.config) if args.config else {}
    kind = next(target for target in TARGETS if getattr(args, target))
    queue_url = args.sqs_queue_url or config.get("sqs_consumer", {}).get("sqs_queue_url")
    config.pop("callback", None)
    aws = {key: value for key, value in aws_settings(args).items() if value}
    if aws:
        config.setdefault("sqs_consumer", {}).update(aws)
    consumer = build_consumer(kind, getattr(args, kind), config, queue_url,
                              dict(endpoint_url=args.endpoint_url, region=args.region, profile=args.profile))
    return make_plan(consumer), consumer


def clients_for(args: Namespace, consumer: Any = None) -> tuple[Any, Any]:
    """(sqs, sns): the command line's AWS settings, else the consumer's sqs_consumer config."""
    from microcosm_pubsub.infra.aws import make_clients

    settings = aws_settings(args)
    if consumer is not None:
        config = consumer.graph.config.sqs_consumer
        settings = {key: config.get(key) for key in settings}
    return make_clients(**settings)


def run_plan(args: Namespace) -> int:
    """`pubsub infra plan`: print the plan (exit 0)."""
    from microcosm_pubsub.infra.render import plan_lines

    plan, _ = build_plan(args)
    print(dumps(plan.to_dict(), indent=2) if args.json else "\n".join(plan_lines(plan)))
    return 0


def run_apply(args: Namespace) -> int:
    """`pubsub infra apply`: make the account match, print what changed (exit 0)."""
    from microcosm_pubsub.infra.apply import apply_plan
    from microcosm_pubsub.infra.render import plan_lines, report_lines

    plan, consumer = build_plan(args)
    report = apply_plan(plan, *clients_for(args, consumer), prune=args.prune, dry_run=args.dry_run)
    if args.json:
        print(dumps({**({"plan": plan.to_dict()} if args.dry_run else {}), **vars(report)}, indent=2))
    else:
        print("\n".join([*(plan_lines(plan) + [""] if args.dry_run else []), *report_lines(report)]))
    return 0


def run_check(args: Namespace) -> int:
    """`pubsub infra check`: one `drift:` line each, exit 1 when there is any."""
    from microcosm_pubsub.infra.check import check_plan

    plan, consumer = build_plan(args)
    found = check_plan(plan, *clients_for(args, consumer))
    if args.json:
        print(dumps({"drifts": found}, indent=2))
    else:
        print("\n".join(f"drift: {line}" for line in found) or f"ok: the account matches the plan for {plan.consumer}")
    return 1 if found else 0


def run_peek(args: Namespace) -> int:
    """`pubsub dlq peek`: a table (or JSON) of dead letters, none consumed."""
    from microcosm_pubsub.infra.dead_letters import peek, peek_lines

    sqs, _ = clients_for(args)
    letters = peek(sqs, args.queue, args.n)
    print(dumps([vars(letter) for letter in letters], indent=2) if args.json else "\n".join(peek_lines(letters)))
    return 0


def run_redrive(args: Namespace) -> int:
    """`pubsub dlq redrive`: move, then print the summary; exit 1 when any failed."""
    from microcosm_pubsub.infra.mover import redrive

    sqs, _ = clients_for(args)
    summary = redrive(sqs, args.source, target=args.target, max_messages=args.max, media_type=args.media_type,
                      rate=args.rate, visibility_timeout=args.visibility_timeout)
    print(summary.line())
    return 1 if summary.failed else 0
