"""Progress of long commands (ingest, eval, bench) on stderr: one Rich display on a terminal, plain lines in a log.

Every long step reports through one callback, ``progress(stage, done, total)``. On a terminal a single Rich line
shows the step, a bar, the count, the rate and the time left; its spinner and clock move several times a second
even while one step works. When stderr is not a terminal (a log, CI), a line like
``ingest: embedding chunks 1,024/5,000 (98/s, about 41 s left)`` is written every :data:`PLAIN_INTERVAL` seconds
by a background thread, so a log shows life even while one call takes long. Stdout is never touched: ``--json``
output stays one object.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

ProgressFn = Callable[[str, int, int], None]
PLAIN_INTERVAL = 5.0  # seconds between plain progress lines (the promise is at least one every 10 s)

STAGES = {
    "scan": "finding files",
    "load": "reading files",
    "copy": "copying unchanged chunks",
    "model": "loading the embedding model",
    "embed": "embedding chunks",
    "switch": "switching to the new index",
    "questions": "answering questions",
    "drafts": "drafting replies",
    "ragas": "scoring with ragas",
}


def _label(stage: str) -> str:
    return STAGES.get(stage, stage)


class _RateColumn(ProgressColumn):
    """Items per second of the current step."""

    def render(self, task: Task) -> Text:
        """``12.3/s``, or nothing before the first items are done."""
        return Text(f"{task.speed:,.1f}/s" if task.speed else "", style="progress.data.speed")


class PlainProgress:
    """Progress as plain lines, written every ``interval`` seconds while something is reported."""

    def __init__(self, name: str, stream: IO[str], *, interval: float = PLAIN_INTERVAL) -> None:
        self.name = name
        self.stream = stream
        self.interval = interval
        self._state: tuple[str, int, int] | None = None
        self._stage_started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="playbook-progress", daemon=True)

    def __enter__(self) -> PlainProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def update(self, stage: str, done: int, total: int) -> None:
        """Remember the latest state (the thread prints it)."""
        with self._lock:
            if self._state is None or self._state[0] != stage:
                self._stage_started = time.monotonic()
            self._state = (stage, done, total)

    def line(self) -> str | None:
        """The current progress line, or None before anything was reported."""
        with self._lock:
            if self._state is None:
                return None
            stage, done, total = self._state
            elapsed = time.monotonic() - self._stage_started
        text = f"{self.name}: {_label(stage)} {done:,}/{total:,}"
        rate = done / elapsed if elapsed > 0 and done else 0.0
        if rate:
            left = (total - done) / rate
            text += f" ({rate:,.1f}/s, about {left:,.0f} s left)" if done < total else f" ({rate:,.1f}/s)"
        return text + f", {elapsed:,.0f} s in this step"

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            text = self.line()
            if text is not None:
                self.stream.write(text + "\n")
                self.stream.flush()


@contextmanager
def progress_display(name: str, console: Console, *, quiet: bool = False) -> Iterator[ProgressFn]:
    """Show the progress of a long command on ``console`` (stderr).

    Args:
        name: the command, shown in plain lines (``ingest``, ``eval``).
        console: where progress goes (a terminal gets Rich, anything else plain lines).
        quiet: show nothing.

    Returns:
        A context manager yielding the ``progress(stage, done, total)`` callback.
    """
    if quiet:
        yield lambda *_: None
        return
    if not console.is_terminal:
        with PlainProgress(name, console.file, interval=PLAIN_INTERVAL) as plain:
            yield plain.update
        return
    columns = (
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
        TextColumn("left"), TimeRemainingColumn(), TextColumn("elapsed"), TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, refresh_per_second=4, speed_estimate_period=15) as bar:
        task = bar.add_task(name, total=None)
        current: list[str] = []

        def update(stage: str, done: int, total: int) -> None:
            if current != [stage]:
                current[:] = [stage]
                bar.reset(task, total=total, completed=done, description=f"{name}: {_label(stage)}")
            bar.update(task, completed=done, total=total)

        yield update
