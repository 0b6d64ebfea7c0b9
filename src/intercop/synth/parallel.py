"""Big scenarios on several cores: persons built once, then the platforms written in parallel.

The sequential path of ``generate_takedowns`` asks every platform pass for every
person again (persons and histories live in bounded caches), which at a million
accounts means building each person five to eight times with Faker. Here worker
processes build each person and history once; forked processes that inherit them
then write one platform each, with its own part of the ground truth, and the parts
are joined in platform order: the files are the same bytes the sequential path writes.
"""

from __future__ import annotations

import csv
import logging
import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from intercop.synth.accounts import Account, iter_accounts
from intercop.synth.persons import Person, Population
from intercop.synth.platforms import PlatformSpec
from intercop.synth.scenario import ScenarioFile, describe
from intercop.synth.spool import Progress
from intercop.synth.timeline import History, Timeline
from intercop.synth.truth import ACCOUNT_COLUMNS, AccountTruth

log = logging.getLogger(__name__)

PlatformWriter = Callable[
    [Path, PlatformSpec, Iterable[Account], tuple[str, ...], AccountTruth | None,
     Progress | None],
    dict[str, int],
]  # fmt: skip

#: persons per task of the build pool (large enough that pickling dominates nothing)
CHUNK = 2_000
#: the history of a person with no account anywhere (what ``Timeline`` gives them too)
_NOBODY = History((), None, None, False, 0.0)


@dataclass(frozen=True)
class BuiltPopulation:
    """The persons with an account (or who run a platform), built ahead of time."""

    seed: int
    size: int
    persons: dict[int, Person]

    def person(self, index: int) -> Person:
        """Person ``index`` (only persons that have an account are held)."""
        return self.persons[index]


@dataclass(frozen=True)
class BuiltTimeline:
    """The histories of the persons with an account, built ahead of time."""

    histories: dict[int, History]

    def history(self, index: int) -> History:
        """The history of person ``index``; empty for persons without accounts."""
        return self.histories.get(index, _NOBODY)


@dataclass(frozen=True)
class _Job:
    """What the forked platform writers inherit from the parent."""

    out: Path
    platforms: tuple[PlatformSpec, ...]
    writers: dict[str, PlatformWriter]
    population: BuiltPopulation
    timeline: BuiltTimeline
    vpn: tuple[str, ...]
    activity: float


#: per build worker: its population, timeline and the persons kept without an account
_BUILDER: tuple[Population, Timeline, frozenset[int]] | None = None
#: set in the parent just before the platform writers are forked (fork shares it)
_JOB: _Job | None = None


def _start_builder(
    seed: int,
    size: int,
    vpn_count: int,
    platforms: tuple[PlatformSpec, ...],
    warning_effect: float,
    keep: frozenset[int],
) -> None:
    global _BUILDER
    _BUILDER = (Population(seed, size, vpn_count), Timeline(seed, platforms, warning_effect), keep)


def _build(bounds: tuple[int, int]) -> list[tuple[int, History, Person]]:
    """The histories and persons of indexes ``[start, stop)`` that have an account."""
    assert _BUILDER is not None
    population, timeline, keep = _BUILDER
    built = []
    for index in range(*bounds):
        history = timeline.history(index)
        if history.memberships or index in keep:
            built.append((index, history, population.person(index)))
    return built


def build(
    seed: int,
    size: int,
    vpn_count: int,
    platforms: tuple[PlatformSpec, ...],
    warning_effect: float,
    keep: frozenset[int],
    workers: int,
) -> tuple[BuiltPopulation, BuiltTimeline]:
    """Build every person who has an account (and the persons in ``keep``) in ``workers``
    processes."""
    persons: dict[int, Person] = {}
    histories: dict[int, History] = {}
    chunks = ((start, min(size, start + CHUNK)) for start in range(0, size, CHUNK))
    context = multiprocessing.get_context("fork")
    args = (seed, size, vpn_count, platforms, warning_effect, keep)
    with context.Pool(workers, initializer=_start_builder, initargs=args) as pool:
        for part in pool.imap(_build, chunks):
            for index, history, person in part:
                persons[index] = person
                if history.memberships:
                    histories[index] = history
    log.info("built %d of %d persons in %d processes", len(persons), size, workers)
    return BuiltPopulation(seed, size, persons), BuiltTimeline(histories)


def _truth_part(out: Path, position: int) -> Path:
    return out / "truth" / f".accounts.{position:02d}.csv"


def _write_platform(position: int) -> tuple[ScenarioFile, int]:
    """Write platform ``position`` of the inherited job; return its file and truth rows."""
    assert _JOB is not None
    job = _JOB
    spec = job.platforms[position]
    path = job.out / spec.file_name
    accounts = iter_accounts(job.population, job.timeline, spec, job.activity)
    with AccountTruth(_truth_part(job.out, position)) as truth:
        tables = job.writers[spec.dump_format](path, spec, accounts, job.vpn, truth, None)
        rows = truth.rows
    described = describe(job.out, path, fmt=spec.dump_format, platform=spec.name,
                         kind=spec.kind, seized_on=spec.seized_on, tables=tables)  # fmt: skip
    log.info("wrote %s (%d accounts)", path, rows)
    return described, rows


def _join_truth(out: Path, count: int) -> None:
    """Join the truth parts into ``truth/accounts.csv`` in platform order."""
    with (out / "truth" / "accounts.csv").open("w", encoding="utf-8", newline="") as joined:
        csv.writer(joined, lineterminator="\n").writerow(ACCOUNT_COLUMNS)
        for position in range(count):
            part = _truth_part(out, position)
            with part.open("r", encoding="utf-8", newline="") as source:
                source.readline()  # each part has its own header
                shutil.copyfileobj(source, joined, 1 << 20)
            part.unlink()


def write_platforms(
    job_out: Path,
    platforms: tuple[PlatformSpec, ...],
    writers: dict[str, PlatformWriter],
    built: tuple[BuiltPopulation, BuiltTimeline],
    vpn: tuple[str, ...],
    activity: float,
    workers: int,
    progress: Progress | None = None,
) -> tuple[tuple[ScenarioFile, ...], int]:
    """Write every platform in ``workers`` forked processes; return the files and accounts."""
    global _JOB
    (job_out / "truth").mkdir(parents=True, exist_ok=True)
    _JOB = _Job(job_out, platforms, writers, built[0], built[1], vpn, activity)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(_completed(pool.map(_write_platform, range(len(platforms))), progress))
    finally:
        _JOB = None
    _join_truth(job_out, len(platforms))
    return tuple(f for f, _ in results), sum(rows for _, rows in results)


def _completed(
    results: Iterator[tuple[ScenarioFile, int]], progress: Progress | None
) -> Iterator[tuple[ScenarioFile, int]]:
    """Pass results through, reporting each finished file's size to ``progress``."""
    for result in results:
        if progress is not None:
            progress(result[0].bytes)
        yield result
