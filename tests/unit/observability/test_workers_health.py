"""
Under a process manager a worker's health server is private (127.0.0.1, a port of its own, told
to the manager), and the manager's `/metrics` groups every worker's samples by family, labelled.

"""
import os
from types import SimpleNamespace

from microcosm_pubsub.engine.stats import EngineStats
from microcosm_pubsub.health import HealthServer
from microcosm_pubsub.observability.workers_health import WORKER_HEALTH_DIR, label_samples


def test_a_worker_listens_privately_and_tells_its_manager_the_port(tmp_path, monkeypatch):
    """With the manager's directory set, `--health-host 0.0.0.0 --health-port P` binds 127.0.0.1 on a free port."""
    monkeypatch.setenv(WORKER_HEALTH_DIR, str(tmp_path))
    engine = SimpleNamespace(consumer=SimpleNamespace(wait_seconds=1), stats=EngineStats(), pollers=[], draining=False)

    server = HealthServer(engine, 65000, host="0.0.0.0")
    try:
        assert server.httpd.server_address[0] == "127.0.0.1" and server.port != 65000
        assert (tmp_path / f"{os.getpid()}.port").read_text() == str(server.port)
    finally:
        server.stop()


def test_the_managers_metrics_group_each_family_with_worker_labels():
    """Two workers' expositions become one: each family's HELP/TYPE once, then every worker's samples."""
    text = ('# HELP a_total A\n# TYPE a_total counter\na_total{result="ok"} 1.0\n'
            '# HELP b B\n# TYPE b gauge\nb 2.0\n')
    families: dict = {}

    label_samples(text, "0", families)
    label_samples(text.replace("1.0", "3.0"), "1", families)

    assert families["a_total"] == [["# HELP a_total A", "# TYPE a_total counter"],
                                   ['a_total{worker="0",result="ok"} 1.0', 'a_total{worker="1",result="ok"} 3.0']]
    assert families["b"][1] == ['b{worker="0"} 2.0', 'b{worker="1"} 2.0']


def test_workers_do_not_keep_the_managers_port_open(tmp_path):
    """Once the manager stops serving, its port can be bound again although a forked worker still runs."""
    import socket
    from multiprocessing import get_context

    from microcosm_pubsub.observability.workers_health import WorkersHealth

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    health = WorkersHealth(port, "127.0.0.1", lambda: [])
    health.start()
    context = get_context("fork")
    release = context.Event()
    worker = context.Process(target=release.wait, args=(30,))
    worker.start()
    try:
        health.stop()
        with socket.socket() as again:
            again.bind(("127.0.0.1", port))
            again.listen()
    finally:
        release.set()
        worker.join(10)
