"""
Progress of a long operation: a tqdm bar on a terminal, plain lines otherwise.

tqdm is the optional `progress` extra; without it, or when stderr is not a terminal (CI logs,
pipes), a line is printed every `every` messages and at the end.

"""
import sys
from typing import Any, Optional, TextIO


class Progress:
    """Counts moved, skipped and failed messages, and shows them."""

    def __init__(self, label: str, total: Optional[int] = None, stream: Optional[TextIO] = None,
                 every: int = 100):
        self.label = label
        self.stream = stream or sys.stderr
        self.every = every
        self.counts = {"moved": 0, "skipped": 0, "failed": 0}
        self._last_line = 0
        self._bar = self._make_bar(total)

    def _make_bar(self, total: Optional[int]) -> Any:
        if not getattr(self.stream, "isatty", lambda: False)():
            return None
        try:
            from tqdm import tqdm
        except ImportError:
            return None
        return tqdm(total=total, desc=self.label, unit="msg", file=self.stream)

    @property
    def done(self) -> int:
        """Messages counted so far."""
        return sum(self.counts.values())

    def add(self, moved: int = 0, skipped: int = 0, failed: int = 0) -> None:
        """Count messages and show the new totals."""
        for key, value in (("moved", moved), ("skipped", skipped), ("failed", failed)):
            self.counts[key] += value
        if self._bar is not None:
            self._bar.update(moved + skipped + failed)
            self._bar.set_postfix(self.counts, refresh=False)
        elif self.done - self._last_line >= self.every:
            self._print()

    def set_total(self, done: int, total: Optional[int]) -> None:
        """For a broker-side task that reports its own counts: show `done` of `total` moved."""
        self.add(moved=done - self.counts["moved"])
        if self._bar is not None and total is not None:
            self._bar.total = total
            self._bar.refresh()

    def _print(self) -> None:
        self._last_line = self.done
        counts = ", ".join(f"{value} {key}" for key, value in self.counts.items())
        print(f"{self.label}: {counts}", file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar, or print the final line."""
        if self._bar is not None:
            self._bar.close()
        elif self.done != self._last_line or not self.done:
            self._print()
