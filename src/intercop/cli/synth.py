"""``intercop synth``: synthetic seized dumps with ground truth."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from intercop.cli.context import err, out, print_json, show_progress
from intercop.synth import generate_bad_inputs, generate_booter, generate_takedowns

app = typer.Typer(help="Generate synthetic seized dumps with ground truth.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print what was written as JSON.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")]


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A byte-counting progress bar on stderr, or nothing when stderr is not a terminal."""
    if not show_progress():
        yield None
        return
    columns = (TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def advance(chars: int) -> None:
            bar.advance(task, chars)

        yield advance


@app.command()
def takedowns(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the scenario into.")],
    seed: SeedOpt = 1,
    scale: Annotated[
        float, typer.Option("--scale", min=0.01, help="Multiplies persons and rows (1 ~ 8 MB).")
    ] = 1.0,
    warning_effect: Annotated[
        float,
        typer.Option(
            "--warning-effect", min=0.0, max=1.0,
            help="Chance a warned person still makes a later account (1 = no effect).",
        ),
    ] = 0.6,
    activity: Annotated[
        float,
        typer.Option(
            "--activity", min=0.01,
            help="Multiplies each account's events; 0.1 = identities with a few events each.",
        ),
    ] = 1.0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes (same bytes; for big scales).")
    ] = 1,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Seized booters, forums and markets of one population, with ground truth."""
    started = time.perf_counter()
    # about 8 MB at scale 1; the events, which ``activity`` thins, are most of it
    expected = int(8_000_000 * scale * min(1.0, 0.25 + activity))
    with _progress("takedowns", expected) as progress:
        scenario = generate_takedowns(
            out_dir, seed, scale, warning_effect, progress=progress, activity=activity,
            workers=workers,
        )  # fmt: skip
    if as_json:
        print_json(scenario.as_json())
        return
    for f in scenario.files:
        out.print(f"{f.path:<28} {f.kind:<7} {f.format:<13} {f.bytes / 1e6:8.2f} MB")
    out.print(
        f"{scenario.persons} persons, {scenario.accounts} accounts in {out_dir} "
        f"({time.perf_counter() - started:.1f} s); ground truth in {out_dir / 'truth'}"
    )


@app.command()
def booter(
    out_file: Annotated[Path, typer.Option("--out", help="The dump file to write.")],
    size_mb: Annotated[float, typer.Option("--size-mb", min=0.1, help="Target size in MiB.")],
    seed: SeedOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """One booter-panel mysqldump of a given size, mostly attack logs (for benchmarks)."""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with _progress("booter", int(size_mb * 1024 * 1024)) as progress:
        written = generate_booter(out_file, size_mb, seed, progress=progress)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {**asdict(written), "path": str(out_file), "seconds": seconds}
    result["seized_on"] = str(written.seized_on)
    result["mb_per_s"] = written.bytes / 1e6 / seconds if seconds else None
    if as_json:
        print_json(result)
        return
    out.print(
        f"{out_file}: {written.bytes / 1e6:.1f} MB, {sum(written.tables.values())} rows "
        f"in {seconds:.1f} s ({result['mb_per_s']:.0f} MB/s)"
    )


@app.command()
def bad(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the bad inputs into.")],
    as_json: JsonOpt = False,
) -> None:
    """Broken inputs for the ingest tests: truncated, mojibake, bombs and more."""
    found = generate_bad_inputs(out_dir)
    if as_json:
        print_json({"out": str(out_dir), "files": [asdict(b) for b in found]})
        return
    for b in found:
        out.print(f"{b.path:<26} {b.problem:<17} {b.detail}")
