"""``generate_takedowns``: several seized platforms of one population, with ground truth."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from pathlib import Path

from intercop.synth.accounts import Account, iter_accounts, operator_index
from intercop.synth.booter_export import write_export
from intercop.synth.booter_panel import write_panel
from intercop.synth.forum import write_forum
from intercop.synth.ipspace import vpn_exits
from intercop.synth.market import write_customers_csv, write_market_pgdump
from intercop.synth.parallel import PlatformWriter, build, write_platforms
from intercop.synth.persons import Population
from intercop.synth.platforms import DEFAULT_PLATFORMS, PlatformSpec
from intercop.synth.scenario import Scenario, ScenarioFile, describe
from intercop.synth.spool import Progress
from intercop.synth.timeline import Timeline
from intercop.synth.truth import AccountTruth, write_persons

log = logging.getLogger(__name__)

#: persons at scale 1.0 (a few MB of dumps in all)
BASE_PERSONS = 1500
VPN_EXITS = 24


def _csv_writer(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    vpn: tuple[str, ...],
    truth: AccountTruth | None,
    progress: Progress | None,
) -> dict[str, int]:
    return write_customers_csv(out, spec, accounts, truth, progress)


#: one writer per dump format (a registry, so a new format is one entry)
WRITERS: dict[str, PlatformWriter] = {
    "mysqldump": write_panel,
    "phpmyadmin": write_export,
    "mybb-hexblob": functools.partial(write_forum, hex_blob=True),
    "mybb-escaped": functools.partial(write_forum, hex_blob=False),
    "csv": _csv_writer,
    "pgdump": write_market_pgdump,
}


def generate_takedowns(
    out: Path,
    seed: int,
    scale: float = 1.0,
    warning_effect: float = 0.6,
    *,
    platforms: tuple[PlatformSpec, ...] = DEFAULT_PLATFORMS,
    progress: Progress | None = None,
    activity: float = 1.0,
    workers: int = 1,
) -> Scenario:
    """Write the seized dumps of several platforms and their ground truth into ``out``.

    Args:
        out: folder to write (created; existing files of the same names are replaced).
        seed: the same seed gives the same bytes.
        scale: multiplies the number of persons and so every row count (1.0 ~ a few MB).
        warning_effect: chance that a warned person still makes an account they would
            have made unwarned (1.0 = warnings do nothing).
        platforms: the platforms to write, in any order.
        progress: called with the number of characters written, for progress bars.
        activity: multiplies every account's rows (logins, payments, attacks, posts);
            0.1 keeps who has which account and how it is spelled, with a handful of
            events each (for identity-resolution benchmarks at a million accounts).
        workers: processes; above 1 every person is built once in parallel and the
            platforms are written side by side (same bytes, progress per file).

    Returns:
        The scenario (also written as ``out/scenario.json``).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if activity <= 0:
        raise ValueError("activity must be positive")
    out.mkdir(parents=True, exist_ok=True)
    population = Population(seed, max(50, round(BASE_PERSONS * scale)), VPN_EXITS)
    timeline = Timeline(seed, platforms, warning_effect)
    vpn = vpn_exits(seed, VPN_EXITS)
    if workers > 1:
        return _generate_parallel(out, population, timeline, vpn, scale, activity, workers,
                                  progress)  # fmt: skip
    files: list[ScenarioFile] = []
    operators: dict[int, list[str]] = {}
    with AccountTruth(out / "truth" / "accounts.csv") as truth:
        for spec in timeline.platforms:
            operators.setdefault(operator_index(seed, spec.name, population.size), []).append(
                spec.name
            )
            path = out / spec.file_name
            log.info("writing %s (%s)", path, spec.dump_format)
            writer = WRITERS[spec.dump_format]
            tables = writer(
                path,
                spec,
                iter_accounts(population, timeline, spec, activity),
                vpn,
                truth,
                progress,
            )
            files.append(
                describe(out, path, fmt=spec.dump_format, platform=spec.name, kind=spec.kind,
                         seized_on=spec.seized_on, tables=tables)
            )  # fmt: skip
        accounts = truth.rows
    persons = write_persons(out / "truth" / "persons.csv", population, timeline, operators)
    scenario = Scenario(out, seed, scale, warning_effect, tuple(files), persons, accounts)
    scenario.write()
    return scenario


def _generate_parallel(
    out: Path,
    population: Population,
    timeline: Timeline,
    vpn: tuple[str, ...],
    scale: float,
    activity: float,
    workers: int,
    progress: Progress | None,
) -> Scenario:
    """``generate_takedowns`` on ``workers`` processes (the same files, in less time)."""
    seed, size = population.seed, population.size
    operators: dict[int, list[str]] = {}
    for spec in timeline.platforms:
        operators.setdefault(operator_index(seed, spec.name, size), []).append(spec.name)
    built = build(seed, size, VPN_EXITS, timeline.platforms, timeline.warning_effect,
                  frozenset(operators), workers)  # fmt: skip
    files, accounts = write_platforms(
        out, timeline.platforms, WRITERS, built, vpn, activity, workers, progress
    )
    persons = write_persons(out / "truth" / "persons.csv", built[0], built[1], operators)
    scenario = Scenario(out, seed, scale, timeline.warning_effect, files, persons, accounts)
    scenario.write()
    return scenario
