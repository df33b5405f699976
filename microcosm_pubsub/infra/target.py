"""
The consumer a plan is for: a `ConsumerDaemon` or `PubSubService` class, or a callback.

Why the graph is built for real: what a daemon handles is only known once its components are
bound (`compute_bound_handlers`), and a service binds its wildcard in
`create_object_graph_components`. The graph is built in testing mode, so its SQS and SNS clients
are mocks and building it touches no broker; handler constructors do run, as in the daemon.

"""
from argparse import Namespace
from dataclasses import dataclass
from importlib import import_module
from inspect import isclass
from typing import Any, Optional

from microcosm.loaders import load_from_dict

from microcosm_pubsub.errors import ConfigurationError


class TargetLoadError(ConfigurationError):
    """`--daemon`, `--service` or `--callback` does not name something a plan can be made for."""


@dataclass(frozen=True)
class Consumer:
    """A built consumer: its name, its locked graph and what it handles."""

    name: str
    graph: Any
    bound_handlers: dict


def load_object(path: str, flag: str) -> Any:
    """Import `pkg.module:obj` (that module only) and return `obj`."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise TargetLoadError(f"{flag} {path!r} must look like package.module:object")
    try:
        target: Any = import_module(module_name)
    except ImportError as error:
        raise TargetLoadError(f"cannot import module {module_name!r} named by {flag}: {error}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise TargetLoadError(f"module {module_name!r} has no {attribute!r} (from {flag} {path})") from None
    return target


def daemon_arguments(queue_url: Optional[str]) -> Namespace:
    """The arguments a daemon is built with: testing mode (mock clients), the queue if given."""
    return Namespace(debug=False, testing=True, sqs_queue_url=queue_url, envelope=None, stdin=False,
                     concurrency=None, shutdown_timeout=None, health_port=None, processes=1)


def build_daemon(daemon_class: Any, config: dict, queue_url: Optional[str], flag: str = "--daemon") -> Consumer:
    """Build a daemon's graph (config file first, then the daemon's defaults, then env)."""
    from microcosm_pubsub.daemon import ConsumerDaemon

    if not (isclass(daemon_class) and issubclass(daemon_class, ConsumerDaemon)):
        raise TargetLoadError(f"{flag} must name a ConsumerDaemon subclass, not {daemon_class!r}")
    import microcosm_pubsub.infra.settings  # noqa: F401  (registers the pubsub_infra defaults)

    daemon = daemon_class()
    daemon.args = daemon_arguments(queue_url)
    graph = daemon.create_object_graph(daemon.args, loader=load_from_dict(config))
    return Consumer(name=str(daemon.name), graph=graph, bound_handlers=dict(daemon.bound_handlers or {}))


def build_callback(path: str, config: dict, queue_url: Optional[str], aws: dict) -> Consumer:
    """The daemon `pubsub consume --callback` would run, built the same way."""
    from microcosm_pubsub.callback_consumer import make_callback_daemon

    target = load_object(path, "--callback")
    if not callable(target):
        raise TargetLoadError(f"--callback {path} names {type(target).__name__}, which cannot be called")
    args = Namespace(callback=path, name=config.pop("name", "pubsub-consumer"), concurrency=None, debug=False,
                     shutdown_timeout=None, health_port=None, health_host=None, **aws)
    daemon_class = make_callback_daemon(target, args, config, queue_url or "")
    return build_daemon(daemon_class, {}, None, flag="--callback")


def build_consumer(kind: str, path: str, config: dict, queue_url: Optional[str], aws: dict) -> Consumer:
    """`kind` is daemon, service or callback, as the command line names it."""
    if kind == "callback":
        return build_callback(path, config, queue_url, aws)
    return build_daemon(load_object(path, f"--{kind}"), config, queue_url, flag=f"--{kind}")
