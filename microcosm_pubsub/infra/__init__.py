"""
Queues, topics, subscriptions and dead letters, derived from the code that consumes them.

    from microcosm_pubsub.infra import build_consumer, make_plan, apply_plan, check_plan

    consumer = build_consumer("daemon", "myapp.daemon:MyDaemon", config, queue_url=None, aws={})
    plan = make_plan(consumer)          # the queue, DLQ, subscriptions and policy it needs
    apply_plan(plan, sqs, sns)          # create or update exactly that (idempotent)
    check_plan(plan, sqs, sns)          # [] when the account matches, else one line per drift

`peek(sqs, queue)` shows dead letters without consuming them; `redrive(sqs, dlq)` moves them
back. The `pubsub infra` and `pubsub dlq` commands are thin wrappers (`infra.cli`). Names are
imported on first use, so `pubsub --help` stays cheap.

"""
from importlib import import_module
from typing import Any


_EXPORTS = {
    "ApplyReport": "apply", "apply_plan": "apply",
    "check_plan": "check",
    "DeadLetter": "dead_letters", "peek": "dead_letters",
    "InfraError": "aws", "make_clients": "aws",
    "InfraPlan": "plan", "QueuePlan": "plan", "SubscriptionPlan": "plan", "make_plan": "plan",
    "RedriveSummary": "mover", "redrive": "mover",
    "InfraSettings": "settings",
    "Consumer": "target", "build_consumer": "target", "build_daemon": "target",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
