"""A progress bar for long work at a terminal (``apply`` of a large roster, ``simulate`` over a
year): rich's, on stderr, so ``--json`` on stdout stays clean; nothing at all when stderr is not
a terminal (a pipe, a log file, cron). The work reports ``(done, total)`` through a callback and
knows nothing of terminals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Report = Callable[[int, int], None]  # (done, total)


@contextmanager
def terminal_progress(console: Console, description: str) -> Iterator[Report]:
    """A callback that moves a bar labelled ``description``; the bar goes when done."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield report
