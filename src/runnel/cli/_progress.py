"""A progress display for `runnel batch` on stderr: rich's bar, or a plain counter.

rich comes with the `cli` extra; without it a counter is rewritten in place on a
terminal, and a single summary line is printed otherwise.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

__all__ = ["Progress", "progress"]


class Progress:
    """A plain counter: ``batch 3/10 (1 failed)``, redrawn on a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream
        self.live = stream.isatty()

    def advance(self, *, failed: bool) -> None:
        """Count one finished input."""
        self.done += 1
        self.failed += failed
        if self.live:
            self.stream.write("\r" + self._text())
            self.stream.flush()

    def _text(self) -> str:
        failed = f" ({self.failed} failed)" if self.failed else ""
        return f"batch {self.done}/{self.total}{failed}"

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stream.write(("\r" if self.live else "") + self._text() + "\n")
        self.stream.flush()


class _RichProgress(Progress):
    """rich's progress bar, with the same interface."""

    def __init__(self, total: int, stream: TextIO) -> None:
        super().__init__(total, stream)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
        )
        self._task = self._bar.add_task("batch", total=total, failed="")

    def advance(self, *, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        note = f"{self.failed} failed" if self.failed else ""
        self._bar.update(self._task, advance=1, failed=note)

    def __enter__(self) -> Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._bar.stop()  # off a terminal, rich draws the bar once, here


def progress(total: int, stream: TextIO | None = None) -> Progress:
    """A progress display for `total` inputs on `stream` (stderr): rich's if installed."""
    stream = sys.stderr if stream is None else stream
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return Progress(total, stream)
    return _RichProgress(total, stream)
