"""
The redrive progress display: tqdm (the `progress` extra) on a terminal, plain lines otherwise.

"""
import io
import sys

from microcosm_pubsub.infra.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch):
    """tqdm draws on a terminal; a pipe, or no tqdm installed, gets one plain line per 100."""
    terminal = Terminal()
    bar = Progress("redrive dlq", total=250, stream=terminal)
    bar.add(moved=250)
    bar.close()
    assert "250/250" in terminal.getvalue()
    pipe = io.StringIO()
    lines = Progress("redrive dlq", stream=pipe)
    for _ in range(25):
        lines.add(moved=9, skipped=1)
    lines.close()
    assert pipe.getvalue().splitlines() == [
        "redrive dlq: 90 moved, 10 skipped, 0 failed", "redrive dlq: 180 moved, 20 skipped, 0 failed",
        "redrive dlq: 225 moved, 25 skipped, 0 failed"]
    monkeypatch.setitem(sys.modules, "tqdm", None)
    terminal = Terminal()
    without = Progress("redrive dlq", stream=terminal)
    without.add(moved=1)
    without.close()
    assert terminal.getvalue() == "redrive dlq: 1 moved, 0 skipped, 0 failed\n"
