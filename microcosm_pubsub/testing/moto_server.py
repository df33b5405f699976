"""
An embedded moto server on 127.0.0.1, with moto's SQS backend made safe for concurrent clients.

moto 5.x's SQS backend is not thread-safe: with several threads receiving, deleting and sending
at once it can deliver a message twice, lose a delete, or answer 500. Tests and benchmarks that
count duplicates or losses must measure the consumer, not the mock, so `serialised_moto_sqs()`
runs each SQS backend operation under one lock, released while a long poll waits.

"""
import logging
from contextlib import contextmanager
from functools import wraps
from threading import RLock
from typing import Any, Callable, Iterator


SERIALISED_OPERATIONS = (
    "send_message", "send_message_batch", "receive_message", "delete_message", "delete_message_batch",
    "change_message_visibility", "change_message_visibility_batch", "purge_queue",
)

_lock = RLock()


def _locked(operation: Callable) -> Callable:
    @wraps(operation)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return operation(*args, **kwargs)
    return run


def _unlocked_while_waiting(wait: Callable) -> Callable:
    @wraps(wait)
    def run(*args: Any, **kwargs: Any) -> Any:
        depth = 0
        while _lock._is_owned():  # type: ignore[attr-defined]
            _lock.release()
            depth += 1
        try:
            return wait(*args, **kwargs)
        finally:
            for _ in range(depth):
                _lock.acquire()
    return run


@contextmanager
def serialised_moto_sqs() -> Iterator[None]:
    """Patch moto's SQS backend so its operations run one at a time (restored on exit)."""
    from moto.sqs.models import Queue, SQSBackend

    originals = {name: getattr(SQSBackend, name) for name in SERIALISED_OPERATIONS}
    original_wait = Queue.wait_for_messages
    for name, operation in originals.items():
        setattr(SQSBackend, name, _locked(operation))
    Queue.wait_for_messages = _unlocked_while_waiting(original_wait)
    try:
        yield
    finally:
        for name, operation in originals.items():
            setattr(SQSBackend, name, operation)
        Queue.wait_for_messages = original_wait


@contextmanager
def moto_server(serialise_sqs: bool = True) -> Iterator[str]:
    """Start moto on 127.0.0.1 (a free port) and yield its endpoint URL; stop it on exit."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with (serialised_moto_sqs() if serialise_sqs else _nothing()):
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@contextmanager
def _nothing() -> Iterator[None]:
    yield
