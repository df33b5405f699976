"""`--processes N`: workers sharing one queue, a killed worker respawned, SIGTERM draining them all."""
import os
import signal
import sys

from svc_support import svc_poll


def children_of(pid: int) -> set[int]:
    """The live child pids of `pid` (Linux /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def send_jobs(broker, queue_url, start, count, seconds=0.2):
    for index in range(start, start + count):
        broker.send(queue_url, {"mediaType": "application/vnd.example.job", "index": index, "seconds": seconds})


def test_three_processes_share_a_queue_respawn_and_drain(svc_broker, svc_consume, tmp_path):
    """Three workers all handle messages; a SIGKILLed one is replaced; SIGTERM drains every worker and exits 0."""
    queue_url = svc_broker.queue()
    config = tmp_path / "workers.toml"
    config.write_text("[sqs_consumer]\nlimit = 1\nwait_seconds = 1\n")
    send_jobs(svc_broker, queue_url, 0, 24)
    manager = svc_consume("--callback", "svc_callbacks:slow", "--sqs-queue-url", queue_url,
                          "--processes", "3", "--config", str(config))

    finished = manager.wait_events("finished", 24, timeout=40)
    first_pids = {event["pid"] for event in finished}
    assert len(first_pids) == 3, finished
    assert all(f"started worker pid {pid}" in manager.log() for pid in first_pids), manager.log()
    assert svc_poll(lambda: children_of(manager.pid) == first_pids, 10)

    victim = sorted(first_pids)[0]
    os.kill(victim, signal.SIGKILL)
    respawned = svc_poll(lambda: (lambda pids: len(pids) == 3 and victim not in pids and pids)(
        children_of(manager.pid)), 20)
    assert respawned, manager.log()
    newcomer = (respawned - first_pids).pop()
    assert "died with exit code -9" in manager.log()

    send_jobs(svc_broker, queue_url, 100, 12, seconds=0.3)
    assert svc_poll(lambda: any(event["pid"] == newcomer for event in manager.events("finished")), 30), manager.log()
    assert svc_poll(lambda: len(manager.events("started")) > len(manager.events("finished")), 20)

    manager.signal(signal.SIGTERM)
    assert manager.wait(40) == 0, manager.log()
    started = {event["message_id"] for event in manager.events("started")}
    done = {event["message_id"] for event in manager.events("finished")}
    assert started == done
    assert svc_poll(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in respawned), 5)


def test_manager_gives_up_when_workers_keep_failing(svc_spawn):
    """Workers that keep crashing are logged with their error and restarted, then the manager exits 1."""
    script = (
        "import sys\n"
        "from microcosm_pubsub.service import ServiceManager\n"
        "class Broken:\n"
        "    def start(self):\n"
        "        raise RuntimeError('broken worker start')\n"
        "sys.exit(ServiceManager(Broken, process_count=2, max_restarts=3, backoff_base_seconds=0.01).run())\n"
    )
    child = svc_spawn([sys.executable, "-c", script])

    assert child.wait(30) == 1
    log = child.log()
    assert "RuntimeError: broken worker start" in log
    assert "restarting in" in log and "giving up" in log


def manage_a_sleeping_worker(svc_spawn, tmp_path, shutdown_timeout, on_start=""):
    """A manager of one worker that runs `on_start` and sleeps (not consuming); returns it and the worker pid."""
    ready = tmp_path / "worker.pid"
    script = (
        "import os, signal, sys, time\n"
        "from microcosm_pubsub.service import ServiceManager\n"
        "class Sleeper:\n"
        "    def start(self):\n"
        f"        {on_start or 'pass'}\n"
        f"        open({str(ready)!r}, 'w').write(str(os.getpid()))\n"
        "        time.sleep(120)\n"
        f"sys.exit(ServiceManager(Sleeper, process_count=1, shutdown_timeout={shutdown_timeout}).run())\n"
    )
    manager = svc_spawn([sys.executable, "-c", script])
    assert svc_poll(lambda: ready.exists() and ready.read_text(), 20), manager.log()
    return manager, ready.read_text()


def test_sigterm_stops_a_worker_that_is_still_starting(svc_spawn, tmp_path):
    """A worker not yet consuming (still building its graph) ends at once on SIGTERM instead of ignoring it."""
    manager, _ = manage_a_sleeping_worker(svc_spawn, tmp_path, shutdown_timeout=60)

    manager.signal(signal.SIGTERM)
    assert manager.wait(15) == 0, manager.log()
    assert "did not stop within" not in manager.log()


def test_a_second_sigterm_reaches_the_workers_as_a_fast_stop(svc_broker, svc_consume, tmp_path):
    """With handlers blocked, a second SIGTERM to the manager stops every worker at once, releasing their messages."""
    queue_url = svc_broker.queue()
    config = tmp_path / "workers.toml"
    config.write_text("[sqs_consumer]\nlimit = 1\nwait_seconds = 1\n")
    flag = tmp_path / "never-created"
    # a worker holds up to two messages (one running, one received ahead): with four, a worker that
    # starts late still finds one, whatever the order in which the two come up
    for index in range(4):
        svc_broker.send(queue_url, {"mediaType": "application/vnd.example.job", "index": index, "flag": str(flag)})
    manager = svc_consume("--callback", "svc_callbacks:blocking", "--sqs-queue-url", queue_url,
                          "--processes", "2", "--config", str(config))
    started = manager.wait_events("started", 2, timeout=30)
    assert len({event["pid"] for event in started}) == 2, started

    manager.signal(signal.SIGTERM)
    assert svc_poll(lambda: manager.log().count("waiting up to 30s for running handlers") == 2, 20), manager.log()
    manager.signal(signal.SIGTERM)

    assert manager.wait(15) == 0, manager.log()
    assert manager.events("finished") == []
    assert manager.log().count("handlers still running: releasing their messages") == 2, manager.log()
    assert "asked again: asking the workers to stop fast" in manager.log()


def alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie waiting to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def two_busy_workers(svc_broker, svc_consume, tmp_path):
    """A manager of two workers, each running a one-second handler; returns it and the worker pids."""
    queue_url = svc_broker.queue()
    config = tmp_path / "workers.toml"
    config.write_text("[sqs_consumer]\nlimit = 1\nwait_seconds = 1\n")
    send_jobs(svc_broker, queue_url, 0, 8, seconds=1)
    manager = svc_consume("--callback", "svc_callbacks:slow", "--sqs-queue-url", queue_url,
                          "--processes", "2", "--config", str(config))
    manager.wait_events("started", 2, timeout=30)
    return manager, children_of(manager.pid)


def all_started_finished(manager) -> bool:
    started = {event["message_id"] for event in manager.events("started")}
    return started == {event["message_id"] for event in manager.events("finished")}


def test_sighup_drains_the_workers_like_sigterm(svc_broker, svc_consume, tmp_path):
    """SIGHUP to the manager is a graceful stop: running handlers finish, workers exit, the manager exits 0."""
    manager, workers = two_busy_workers(svc_broker, svc_consume, tmp_path)

    manager.signal(signal.SIGHUP)

    assert manager.wait(40) == 0, manager.log()
    assert all_started_finished(manager), manager.log()
    assert svc_poll(lambda: not any(alive(pid) for pid in workers), 10), manager.log()


def test_workers_drain_and_exit_when_the_manager_is_killed(svc_broker, svc_consume, tmp_path):
    """SIGKILL to the manager: each worker gets SIGTERM from the kernel, finishes its handler and exits."""
    manager, workers = two_busy_workers(svc_broker, svc_consume, tmp_path)
    assert len(workers) == 2

    manager.signal(signal.SIGKILL)
    manager.wait(10)

    assert svc_poll(lambda: not any(alive(pid) for pid in workers), 30), manager.log()
    assert all_started_finished(manager), manager.log()
    assert "stopping (1/5): no more receives" in manager.log()


def test_a_worker_notices_its_parent_is_gone_without_the_kernel_telling_it(svc_spawn, tmp_path):
    """Where PR_SET_PDEATHSIG is not available, a worker whose parent died sends itself SIGTERM."""
    ready, stopped = tmp_path / "ready", tmp_path / "stopped"
    script = (
        "import os, signal, time\n"
        "from microcosm_pubsub import manager\n"
        "manager._kernel_signals_parent_death = lambda: False\n"
        "parent = os.getpid()\n"
        "if os.fork() == 0:\n"
        f"    signal.signal(signal.SIGTERM, lambda *_: (open({str(stopped)!r}, 'w').close(), os._exit(0)))\n"
        "    manager.stop_with_parent(parent)\n"
        f"    open({str(ready)!r}, 'w').close()\n"
        "    time.sleep(60)\n"
        "    os._exit(1)\n"
        f"while not os.path.exists({str(ready)!r}):\n"
        "    time.sleep(0.05)\n"
    )
    parent = svc_spawn([sys.executable, "-c", script])

    assert parent.wait(20) == 0, parent.log()
    assert svc_poll(stopped.exists, 10), parent.log()


def test_a_worker_that_has_to_be_killed_makes_the_manager_exit_1(svc_spawn, tmp_path):
    """A worker ignoring SIGTERM is killed after the shutdown timeout, and the manager says so with exit code 1."""
    manager, worker = manage_a_sleeping_worker(svc_spawn, tmp_path, shutdown_timeout=1,
                                               on_start="signal.signal(signal.SIGTERM, signal.SIG_IGN)")

    manager.signal(signal.SIGTERM)

    assert manager.wait(20) == 1, manager.log()
    assert f"worker pid {worker} did not stop within 1s; killing it" in manager.log()


def test_a_worker_configuration_error_stops_the_manager_with_exit_2(svc_spawn):
    """A worker exiting 2 (configuration error) is not restarted: the manager stops and exits 2."""
    script = (
        "import sys\n"
        "from microcosm_pubsub.service import ServiceManager\n"
        "class Misconfigured:\n"
        "    def start(self):\n"
        "        print('misconfigured: no such queue', flush=True)\n"
        "        sys.exit(2)\n"
        "sys.exit(ServiceManager(Misconfigured, process_count=2, backoff_base_seconds=0.01).run())\n"
    )
    manager = svc_spawn([sys.executable, "-c", script])

    assert manager.wait(20) == 2, manager.log()
    assert "configuration error" in manager.log() and "restarting" not in manager.log()
