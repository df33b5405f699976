"""
`pubsub top`'s figures: rates are counter differences over time, summed across workers, and a
restarted daemon (counters falling) shows no rate instead of a negative one.

"""
from microcosm_pubsub.observability.top import summary_line
from microcosm_pubsub.observability.top_data import DaemonSample, QueueSample, parse_exposition, rates


def test_samples_of_every_worker_are_read_with_their_labels():
    """Labelled and unlabelled samples are read; comments are not."""
    text = '# HELP x X\n# TYPE x counter\nx_total{worker="0",media_type="a",result="SUCCEEDED"} 3.0\n' \
           'pubsub_messages_in_flight 2.0\n'
    assert parse_exposition(text) == [
        ("x_total", {"worker": "0", "media_type": "a", "result": "SUCCEEDED"}, 3.0),
        ("pubsub_messages_in_flight", {}, 2.0),
    ]


def test_rates_are_per_second_and_a_restart_shows_none():
    """10 more in 2 s is 5/s; a counter that fell (restart) gives no rates for that refresh."""
    before = DaemonSample(url="u", at=10.0, handled={("a", "SUCCEEDED"): 10.0})
    after = DaemonSample(url="u", at=12.0, handled={("a", "SUCCEEDED"): 20.0, ("a", "FAILED"): 1.0})
    restarted = DaemonSample(url="u", at=14.0, handled={("a", "SUCCEEDED"): 2.0})

    assert rates(before, after) == {("a", "SUCCEEDED"): 5.0, ("a", "FAILED"): 0.5}
    assert rates(after, restarted) == {}
    assert rates(None, after) == {}


def test_a_summary_line_names_each_daemon_and_queue_with_its_figures():
    """One line: the daemon's rate, in flight and errors, busiest outcome first, then the queue."""
    daemon = DaemonSample(url="http://127.0.0.1:9000", at=1.0, in_flight=2.0, errors=1.0)
    queue = QueueSample(url="https://sqs.eu-west-1.amazonaws.com/1/orders", depth=3, in_flight=0, dlq_depth=2)

    line = summary_line([(daemon, {("a", "SUCCEEDED"): 4.0, ("a", "FAILED"): 1.0})], [queue])

    assert "127.0.0.1:9000 5.0/s in-flight 2 errors 1 [a SUCCEEDED 4.0/s, a FAILED 1.0/s]" in line
    assert "queue orders depth 3 in-flight 0 oldest - dlq 2" in line
