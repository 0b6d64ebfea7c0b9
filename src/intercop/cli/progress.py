"""Rich progress bars on stderr, shown only on a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from intercop.cli.context import err, show_progress


@contextmanager
def byte_progress(total: int, label: str) -> Iterator[Callable[[int, str], None] | None]:
    """A callback ``(bytes_done, what)`` driving a bar, or None when not on a terminal."""
    if not show_progress():
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, what: str) -> None:
            bar.update(task, completed=min(done, total), description=what[:40])

        yield update


@contextmanager
def count_progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A callback ``(done, total)`` counting items on a bar, or None when not on a terminal."""
    if not show_progress():
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
