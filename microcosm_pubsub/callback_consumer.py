"""
`pubsub consume --callback pkg.module:obj`: a consumer with no boilerplate, fedora-messaging style.

`obj` is a function taking the `SQSMessage`, or a class built once per process (`Cls()`, or
`Cls(graph)` when its constructor takes an argument) whose instances are called per message.
Every message of the queue goes to the callback, whatever its media type; outcome exceptions
(`Nack`, `Drop`, `SkipMessage`, `HaltConsumer`, ...) decide what happens to it, any other
exception retries it with backoff, and a clean return deletes it.

"""
from argparse import Namespace
from importlib import import_module
from inspect import isclass, signature
from json import loads
from sys import stderr
from typing import Any, Callable, Optional

from microcosm_pubsub.arguments import MAX_PROCESSES, add_engine_arguments, process_count


def _callback_envelope_class() -> type:
    """`CallbackSQSEnvelope`, defined on first use so that `pubsub --help` imports nothing else."""
    from microcosm_pubsub.codecs import DEFAULT_MEDIA_TYPE
    from microcosm_pubsub.envelope import CodecSQSEnvelope

    class CallbackSQSEnvelope(CodecSQSEnvelope):
        """
        Decode with a schema when one is registered; otherwise hand the callback the body as is.

        A callback receives every message of its queue: a media type without a schema gives the
        JSON body's fields (`opaqueData` as `opaque_data`), a body without `mediaType` is
        `application/json`.

        """

        def parse_media_type_and_content(self, message: Any) -> tuple[Optional[str], Optional[dict]]:
            document = loads(message) if isinstance(message, (str, bytes)) else message
            if isinstance(document, dict) and not isinstance(document.get("mediaType"), str):
                document = {**document, "mediaType": DEFAULT_MEDIA_TYPE}
            media_type, content = super().parse_media_type_and_content(document)
            if content is None and isinstance(document, dict):
                content = {RAW_KEYS.get(key, key): value for key, value in document.items()}
            return media_type, content

    return CallbackSQSEnvelope


RAW_KEYS = {"mediaType": "media_type", "opaqueData": "opaque_data"}


class CallbackLoadError(Exception):
    """`--callback` does not name an importable object."""


def load_callback(path: str) -> Any:
    """Import `pkg.module:obj` (only that module) and return `obj`."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise CallbackLoadError(f"--callback {path!r} must look like package.module:object")
    try:
        module = import_module(module_name)
    except ImportError as error:
        raise CallbackLoadError(f"cannot import module {module_name!r} named by --callback: {error}") from None
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise CallbackLoadError(f"module {module_name!r} has no {attribute!r} (from --callback {path})") from None
    if not callable(target):
        raise CallbackLoadError(f"--callback {path} names {type(target).__name__}, which cannot be called")
    return target


def build_callback(target: Any, graph: Any) -> Callable[[Any], Any]:
    """A class is instantiated once (with the graph if its constructor takes an argument)."""
    if not isclass(target):
        return target
    parameters = [
        parameter for parameter in signature(target.__init__).parameters.values()
        if parameter.name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    return target(graph) if parameters else target()


class CallbackHandler:
    """Adapts a message callback to the dispatcher: it receives the whole `SQSMessage`."""

    handles_sqs_message = True

    def __init__(self, callback: Callable[[Any], Any]):
        from microcosm_pubsub.awaitables import is_async_handler

        self.callback = callback
        self.__name__ = getattr(callback, "__name__", type(callback).__name__)
        # an async callback runs on the engine's event loop
        self.is_async = is_async_handler(callback)

    def handle_sqs_message(self, message: Any) -> Any:
        """True once the callback returned; an async callback's awaitable, to be awaited, else."""
        from microcosm_pubsub.awaitables import isawaitable

        outcome = self.callback(message)
        return _returned_true(outcome) if isawaitable(outcome) else True

    def __call__(self, content: Any) -> Any:
        raise TypeError("CallbackHandler is called with the whole message by the dispatcher")


async def _returned_true(awaitable: Any) -> bool:
    await awaitable
    return True


def read_config_file(path: str) -> dict:
    """A TOML or JSON file as a dict (TOML unless the name ends in .json)."""
    with open(path, "rb") as config_file:
        data = config_file.read()
    if path.endswith(".json"):
        return loads(data)
    import tomllib

    return tomllib.loads(data.decode())


def add_consume_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("consume", help="run a callback over every message of a queue")
    parser.add_argument("--callback", help="package.module:function_or_class (or `callback` in --config)")
    parser.add_argument("--sqs-queue-url", help="the queue (or a JSON lines file, or STDIN)")
    parser.add_argument("--config",
                        help="TOML or JSON: [consumer_config] for the callback, other sections configure the graph")
    parser.add_argument("--processes", type=process_count, default=1,
                        help=f"worker processes, 1 to {MAX_PROCESSES} (default 1)")
    add_engine_arguments(parser)
    parser.add_argument("--name", default="pubsub-consumer", help="graph name (prefix of env config vars)")
    parser.set_defaults(func=consume)


def add_systemd_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("systemd-unit", help="print the pubsub-consumer@.service template unit")
    parser.set_defaults(func=print_systemd_unit)


def print_systemd_unit(args: Namespace) -> int:
    from microcosm_pubsub.systemd import unit_text

    print(unit_text(), end="")
    return 0


def consume(args: Namespace) -> int:
    try:
        file_config = read_config_file(args.config) if args.config else {}
        args.callback = args.callback or file_config.pop("callback", None)
        if not args.callback:
            raise CallbackLoadError("no callback: pass --callback package.module:object or set callback in --config")
        target = load_callback(args.callback)
    except (CallbackLoadError, OSError, ValueError) as error:
        print(f"pubsub consume: {error}", file=stderr)
        return 2
    queue_url = args.sqs_queue_url or file_config.get("sqs_consumer", {}).get("sqs_queue_url")
    if not queue_url:
        print("pubsub consume: no queue: pass --sqs-queue-url or set sqs_consumer.sqs_queue_url in --config",
              file=stderr)
        return 2
    daemon_class = make_callback_daemon(target, args, file_config, queue_url)
    if args.processes > 1:
        from microcosm_pubsub.manager import ServiceManager

        return ServiceManager(daemon_class, process_count=args.processes, health_port=args.health_port,
                              health_host=args.health_host).run()
    daemon_class().start()
    return 0


def make_callback_daemon(target: Any, args: Namespace, file_config: dict, queue_url: str) -> type:
    """A `ConsumerDaemon` subclass whose only handler is the callback."""
    from microcosm_pubsub.daemon import ConsumerDaemon
    from microcosm_pubsub.registry import CATCH_ALL

    envelope = _callback_envelope_class()
    aws = {key: value for key, value in dict(
        endpoint_url=args.endpoint_url, region_name=args.region, profile_name=args.profile,
    ).items() if value}

    class CallbackConsumerDaemon(ConsumerDaemon):
        name = args.name

        @property
        def defaults(self) -> dict:
            config = {section: dict(values) if isinstance(values, dict) else values
                      for section, values in file_config.items()}
            config.setdefault("consumer_config", {})
            config.setdefault("sqs_envelope", {}).setdefault("strategy_name", envelope.__name__)
            consumer = config.setdefault("sqs_consumer", {})
            consumer.update(sqs_queue_url=queue_url, **aws)
            if args.concurrency:
                consumer["concurrency"] = args.concurrency
            if aws:
                config.setdefault("sns_producer", {}).update(aws)
            return config

        def parse_known_arguments(self) -> Namespace:
            return Namespace(debug=args.debug, testing=False, sqs_queue_url=None, stdin=False, envelope=None,
                             concurrency=args.concurrency, shutdown_timeout=args.shutdown_timeout,
                             health_port=args.health_port, health_host=args.health_host, processes=1)

        def create_object_graph_components(self, graph: Any) -> None:
            super().create_object_graph_components(graph)
            self.bound_handlers = {CATCH_ALL: CallbackHandler(build_callback(target, graph))}

    CallbackConsumerDaemon.__name__ = f"CallbackConsumer[{args.callback}]"
    return CallbackConsumerDaemon
