"""
`ConsumerDaemon`: subclass it, list your handler components, run it with `--sqs-queue-url`.

It is a microcosm-daemon `Daemon` (same arguments, graph and testing helpers as the earlier
library) whose loop is the consume engine: polling ahead, bounded concurrency, batched
deletes, visibility heartbeat and an ordered, lossless shutdown on SIGTERM/SIGINT.

"""
from argparse import ArgumentParser, Namespace
from logging import WARNING, getLogger
from sys import exc_info, exit, stderr
from typing import Any, Callable, Optional

from microcosm.errors import ValidationError as MicrocosmValidationError
from microcosm.loaders import load_each, load_from_dict
from microcosm_daemon.api import SleepNow
from microcosm_daemon.daemon import Daemon

from microcosm_pubsub.arguments import add_engine_arguments, limit_inherited_arguments
from microcosm_pubsub.bounds import refused_by_microcosm
from microcosm_pubsub.consumer import STDIN
from microcosm_pubsub.envelope import LambdaSQSEnvelope, NaiveSQSEnvelope, _strategies
from microcosm_pubsub.errors import ConfigurationError
from microcosm_pubsub.log_safety import printable_exc_info, render
from microcosm_pubsub.logging_guard import check_logging_config
from microcosm_pubsub.startup_check import check_queue
from microcosm_pubsub.offload.consuming import discard_payload
from microcosm_pubsub.stop_signals import StopSignals


# loggers that print signed request headers (session tokens included) at DEBUG
CREDENTIAL_LEAKING_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


class ConsumerDaemon(Daemon):
    """Base class for consumer daemons: set `name`, extend `components` with handler bindings."""

    components = [
        "logger",
        "logging",
        "error_policy",
        "signal_handler",
        "sleep_policy",
        "health_reporter",
        "opaque",
        "pubsub_message_schema_registry",
        "sqs_message_handler_registry",
        "sqs_consumer",
        "sqs_message_dispatcher",
    ]

    def __init__(self, event: Optional[dict] = None):
        super().__init__()
        self.bound_handlers: Optional[dict] = None
        self.sqs_event = event or {}
        self.engine: Any = None
        # the queue's visibility timeout as the start-up check read it (None: not asked)
        self.queue_visibility_timeout: Optional[int] = None

    def make_arg_parser(self) -> ArgumentParser:
        parser = super().make_arg_parser()
        parser.add_argument("--stdin", action="store_true", help="read JSON lines from standard input")
        parser.add_argument("--sqs-queue-url", help="the queue URL, a file of JSON lines, or STDIN")
        parser.add_argument("--envelope", choices=sorted(_strategies()), help="enveloping strategy")
        add_engine_arguments(parser)
        limit_inherited_arguments(parser)
        return parser

    @property
    def defaults(self) -> dict:
        """Config derived from the command line (or the Lambda record)."""
        config: dict = {}
        args = self.args
        if getattr(args, "stdin", False):
            config.update(
                sqs_envelope=dict(strategy_name=NaiveSQSEnvelope.__name__),
                sqs_consumer=dict(sqs_queue_url=STDIN, sqs_event=""),
            )
        if getattr(args, "sqs_queue_url", None):
            config.update(sqs_consumer=dict(sqs_queue_url=args.sqs_queue_url, sqs_event=""))
        if getattr(args, "envelope", None):
            config.update(sqs_envelope=dict(strategy_name=args.envelope))
        if getattr(args, "concurrency", None):
            config.setdefault("sqs_consumer", {}).update(concurrency=args.concurrency)
        if self.sqs_event:
            config.update(
                sqs_envelope=dict(strategy_name=LambdaSQSEnvelope.__name__),
                sqs_consumer=dict(sqs_event=self.sqs_event, sqs_queue_url=""),
            )
        return config

    def create_object_graph(self, args: Namespace, cache: Any = None, loader: Any = None) -> Any:
        """Create and lock the graph (config: `loader`, then the daemon's defaults, then env)."""
        return super().create_object_graph(args, cache=cache, loader=loader)

    def create_object_graph_components(self, graph: Any) -> None:
        check_logging_config(graph.config, graph.metadata.name)
        graph.use("logging")
        quiet_credential_loggers()
        graph.use(
            *self.components,
            "sqs_envelope",
            "sqs_message_context",
            "pubsub_lifecycle_change",
            "pubsub_send_metrics",
            "pubsub_send_batch_metrics",
            "sentry_logging_pubsub",
        )
        self.bound_handlers = graph.sqs_message_handler_registry.compute_bound_handlers(self.components)

    def __call__(self, graph: Any) -> None:
        """One step of microcosm-daemon's state machine: handle one batch (sleep when empty)."""
        results = graph.sqs_message_dispatcher.handle_batch(self.bound_handlers)
        if not results:
            raise SleepNow()

    def run(self) -> None:
        """Parse the command line and run: one process, or `--processes N` supervised workers."""
        parser = self.make_arg_parser()
        args = parser.parse_args()
        if args.processes > 1:
            from microcosm_pubsub.manager import ServiceManager

            exit(ServiceManager(type(self), process_count=args.processes, health_port=args.health_port,
                                health_host=args.health_host).run())
        self.start()

    def start(self, *args: Any, **kwargs: Any) -> None:
        """Build the graph, run the engine until stopped, and exit with its code."""
        try:
            self.initialize()
            self.queue_visibility_timeout = check_queue(self.graph.sqs_consumer)
        except (ConfigurationError, MicrocosmValidationError) as error:
            if isinstance(error, MicrocosmValidationError):
                error = refused_by_microcosm(self.name, error)
            print(f"{self.name}: configuration error: {error}", file=stderr)
            exit(2)
        self.graph.logger.info(f"Starting daemon {self.name}")
        self.log_bound_handlers()
        try:
            exit(self.run_engine())
        except SystemExit:
            raise
        except Exception as error:
            self.graph.logger.error(render("Unexpected error, exiting with non-zero error code: {error}", error=error),
                                    exc_info=printable_exc_info(exc_info()))
            exit(1)

    def log_bound_handlers(self) -> None:
        for media_type, handler in (self.bound_handlers or {}).items():
            name = getattr(handler, "__name__", type(handler).__name__)
            self.graph.logger.info(f"Handling: {media_type} with handler: {name}")

    def make_engine(self) -> Any:
        from microcosm_pubsub.engine import ConsumeEngine

        config = self.graph.config.sqs_consumer
        shutdown_timeout = getattr(self.args, "shutdown_timeout", None)
        return ConsumeEngine(
            self.graph,
            self.bound_handlers or {},
            concurrency=getattr(self.args, "concurrency", None),
            shutdown_timeout=config.shutdown_timeout_seconds if shutdown_timeout is None else shutdown_timeout,
            logger=self.graph.logger,
            queue_visibility_timeout=self.queue_visibility_timeout,
        )

    def run_engine(self) -> int:
        """Run the engine in this (main) thread; SIGTERM/SIGINT stop it gracefully, twice: fast."""
        from microcosm_pubsub import systemd

        self.engine = engine = self.make_engine()
        stop_signals = StopSignals().install()
        health = None
        if getattr(self.args, "health_port", None):
            from microcosm_pubsub.health import HealthServer

            health = HealthServer(engine, self.args.health_port, host=self.args.health_host)
            engine.on_started.append(health.start)
        interval = systemd.watchdog_interval()
        watchdog = systemd.Watchdog(lambda: all(poller.is_turning(60 + engine.consumer.wait_seconds)
                                                for poller in engine.pollers),
                                    interval) if interval else None
        engine.on_started.append(lambda: systemd.notify("READY=1"))
        engine.on_stopping.append(lambda: systemd.notify("STOPPING=1"))
        if watchdog:
            watchdog.start()
        try:
            return engine.run(stop_signals)
        finally:
            if watchdog:
                watchdog.stop()
            if health:
                health.stop()

    def run_state_machine(self) -> None:
        exit(self.run_engine())

    def process(self) -> list:
        """Handle the Lambda record this daemon was built with; return the results."""
        self.initialize()
        consumer = self.graph.sqs_consumer
        dispatcher = self.graph.sqs_message_dispatcher
        message = consumer.parse(self.sqs_event)
        result = dispatcher.process_message(message, self.bound_handlers)
        if not result.result.retry:
            discard_payload(message)
        return [result]

    def initialize(self) -> None:
        self.args = self.parse_known_arguments()
        self.graph = self.create_object_graph(self.args)

    def parse_known_arguments(self) -> Namespace:
        """The daemon's arguments (none for a Lambda record: its config comes from the event)."""
        self.parser = self.make_arg_parser()
        args, _ = self.parser.parse_known_args([] if self.sqs_event else None)
        return args

    @classmethod
    def make_lambda_handler(cls) -> Callable[[dict, Any], Any]:
        """
        An AWS Lambda entry point for an SQS event source (see `microcosm_pubsub.lambda_handler`).

        The graph is built on the first event and reused by every later one in the container;
        every record is handled (with the engine's concurrency, async and batch handlers), and
        records whose result retries are reported as `batchItemFailures` (enable
        ReportBatchItemFailures on the event source mapping).

        """
        from microcosm_pubsub.lambda_handler import make_lambda_handler

        return make_lambda_handler(cls)

    @classmethod
    def create_for_testing(cls, loader: Any = None, cache: Any = None, **kwargs: Any) -> "ConsumerDaemon":
        """A daemon with its graph built for unit tests (MagicMock clients, nothing started)."""
        mock_config = load_from_dict(sns_producer=dict(mock_sns=False))
        loader = mock_config if loader is None else load_each(loader, mock_config)
        return super().create_for_testing(
            loader=loader,
            cache=cache,
            **{"sqs_queue_url": "queue", "envelope": None, "stdin": False, **kwargs},
        )


def quiet_credential_loggers() -> None:
    """Keep botocore and urllib3 at WARNING even with --debug: at DEBUG they log signed headers."""
    for name in CREDENTIAL_LEAKING_LOGGERS:
        logger = getLogger(name)
        if logger.getEffectiveLevel() < WARNING:
            logger.setLevel(WARNING)
