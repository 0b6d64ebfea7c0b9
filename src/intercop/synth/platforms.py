"""The platforms of a takedown scenario: what they were, how they are dumped, when seized."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["booter", "forum", "market"]
DumpFormat = Literal["mysqldump", "phpmyadmin", "mybb-hexblob", "mybb-escaped", "csv", "pgdump"]


@dataclass(frozen=True)
class PlatformSpec:
    """One seized platform of the scenario."""

    name: str
    kind: Kind
    dump_format: DumpFormat
    file_name: str
    opened_on: date
    seized_on: date
    #: chance that an interested, averagely active person has an account here
    reach: float
    #: share of identified users who get a warning after the seizure
    warn_rate: float


#: the default scenario, in seizure order; a person can reappear on a later platform
DEFAULT_PLATFORMS: tuple[PlatformSpec, ...] = (
    PlatformSpec("stormstresser", "booter", "mysqldump", "stormstresser.sql",
                 date(2021, 9, 1), date(2023, 5, 10), 0.22, 0.7),
    PlatformSpec("darkcode", "forum", "mybb-hexblob", "darkcode_forum.sql",
                 date(2020, 2, 1), date(2023, 11, 22), 0.25, 0.5),
    PlatformSpec("nightcrash", "booter", "phpmyadmin", "nightcrash_export.sql",
                 date(2022, 6, 1), date(2024, 12, 11), 0.22, 0.7),
    PlatformSpec("shadowmart", "market", "csv", "shadowmart_customers.csv",
                 date(2022, 1, 15), date(2025, 3, 4), 0.18, 0.5),
    PlatformSpec("cracknet", "forum", "mybb-escaped", "cracknet_forum.sql",
                 date(2021, 5, 1), date(2025, 9, 17), 0.25, 0.5),
    PlatformSpec("vortexstress", "booter", "mysqldump", "vortexstress.sql",
                 date(2024, 3, 1), date(2026, 2, 5), 0.22, 0.7),
    PlatformSpec("blackbazaar", "market", "pgdump", "blackbazaar.pgsql",
                 date(2023, 4, 1), date(2026, 4, 28), 0.18, 0.5),
)  # fmt: skip
