"""``generate_booter``: one booter-panel mysqldump of a requested size, for benchmarks.

A few thousand complete accounts (users, payments, logins, tickets) and then attack
logs until the size is reached; the attack rows come from precomputed pools and
one 64-bit random draw each, so a gigabyte takes seconds, not minutes.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from intercop.synth.accounts import Account
from intercop.synth.aliases import ascii_fold, vary_handle
from intercop.synth.booter_panel import TABLES, add_account
from intercop.synth.content import ATTACK_METHODS, ATTACK_PORTS, target
from intercop.synth.ipspace import vpn_exits
from intercop.synth.mysqldump import MysqldumpWriter
from intercop.synth.persons import Population
from intercop.synth.scenario import ScenarioFile, describe
from intercop.synth.spool import Progress

log = logging.getLogger(__name__)

_OPENED = datetime(2024, 1, 1, 0, 0, 0)
_SEIZED = date(2025, 12, 10)
#: attack times fall in 2**24 seconds (~194 days) before the seizure
_SPAN_BITS = 24


@dataclass(frozen=True)
class _Pools:
    targets: tuple[str, ...]
    tails: tuple[str, ...]


def _pools(rng: random.Random) -> _Pools:
    targets = tuple(f"'{target(rng)}'" for _ in range(4096))
    tails = tuple(
        f"{rng.choice(ATTACK_PORTS) if rng.random() < 0.8 else 0},'{rng.choice(ATTACK_METHODS)}',"
        f"{rng.choice((30, 60, 120, 300, 600, 1200, 3600))}"
        for _ in range(1024)
    )
    return _Pools(targets, tails)


def _accounts(population: Population) -> list[Account]:
    """Complete accounts of the panel (kept in memory: a few thousand at most)."""
    taken: set[str] = set()
    accounts = []
    window = (datetime.combine(_SEIZED, time()) - _OPENED).total_seconds()
    for index in range(population.size):
        person = population.person(index)
        key = f"{population.seed}:bigdump:{index}"
        rng = random.Random(key)
        name, _ = vary_handle(rng, person.handle)
        while (ascii_fold(name) or name.lower()) in taken:
            name = f"{name[:24]}{rng.randrange(100, 9999)}"
        taken.add(ascii_fold(name) or name.lower())
        registered = _OPENED + timedelta(seconds=int(rng.random() * window * 0.9))
        last = registered + timedelta(days=rng.randrange(1, 300))
        accounts.append(
            Account(index + 1, person, name, person.email, person.paypal_email, registered,
                    min(last, datetime.combine(_SEIZED, time())), "customer",
                    min(8.0, rng.paretovariate(1.6)), key)
        )  # fmt: skip
    return accounts


def generate_booter(
    out: Path, size_mb: float, seed: int, *, progress: Progress | None = None
) -> ScenarioFile:
    """Write a booter-panel mysqldump of about ``size_mb`` MiB, mostly attack logs.

    Args:
        out: the file to write (its folder must exist).
        size_mb: target size in MiB; writing stops once it is reached.
        seed: the same seed and size give the same bytes.
        progress: called with the number of characters written.

    Returns:
        A description of the file with its row counts.
    """
    if size_mb <= 0:
        raise ValueError("size_mb must be positive")
    target_chars = int(size_mb * 1024 * 1024)
    users = int(min(3000, 50 + size_mb * 3))
    population = Population(seed, users, 24)
    vpn = vpn_exits(seed, 24)
    rng = random.Random(f"{seed}:bigdump")
    dumped_at = datetime.combine(_SEIZED, time(3, 30, 1))
    with MysqldumpWriter(out, database="bigbooter", dumped_at=dumped_at, progress=progress) as w:
        spools = {t.name: w.table(t) for t in TABLES}
        accounts = _accounts(population)
        for account in accounts:
            add_account(account, spools, vpn)
        attacks = spools["attack_logs"]
        pools = _pools(rng)
        targets, tails = pools.targets, pools.tails
        start = int(datetime.combine(_SEIZED, time(), UTC).timestamp()) - (1 << _SPAN_BITS)
        n = len(accounts)
        others = sum(s.size for s in spools.values() if s is not attacks)
        bits = rng.getrandbits
        add = attacks.add_literal
        while others + attacks.size < target_chars:
            row_id = attacks.rows + 1
            for i in range(row_id, row_id + 10_000):
                r = bits(64)
                add(
                    f"({i},{(r & 0xFFFF) % n + 1},{targets[(r >> 16) & 4095]},"
                    f"{tails[(r >> 28) & 1023]},{start + (r >> 40)})"
                )
        tables = w.close()
    log.info("wrote %s: %s", out, tables)
    return describe(out.parent, out, fmt="mysqldump", platform="bigbooter", kind="booter",
                    seized_on=_SEIZED, tables=tables)  # fmt: skip
