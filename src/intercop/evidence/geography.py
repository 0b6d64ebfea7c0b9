"""Where accounts are: the country of each account's IP addresses, offline (iptocc).

A first, evidence-level view for the demo and dataset summaries: an account's country
is the country most of its public IP sightings geolocate to. Jurisdiction proper
(with confidence, VPN exits, claimed countries) belongs to the profiles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import iptocc
import pyarrow as pa

UNKNOWN = "??"


@dataclass(frozen=True)
class CountryCounts:
    """Accounts, identifiers and events of one dataset attributed to one country."""

    dataset_id: str
    country: str
    accounts: int
    identifiers: int
    events: int


def countries_of(ips: list[str]) -> dict[str, str]:
    """ISO country per IP string (``??`` when unknown or private)."""
    if not ips:
        return {}
    codes = iptocc.country_code(ips)
    return {ip: (code or UNKNOWN) for ip, code in zip(ips, codes, strict=True)}


def account_countries(canonical: Path) -> dict[str, str]:
    """Country of each account of one dataset, by the majority of its IP sightings."""
    identifiers = canonical / "identifiers.parquet"
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT account_key, value, sum(count)::BIGINT FROM read_parquet(?) "
            "WHERE kind = 'ip' AND account_key IS NOT NULL GROUP BY ALL",
            [str(identifiers)],
        ).fetchall()
    finally:
        con.close()
    lookup = countries_of(sorted({str(r[1]) for r in rows}))
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for account, ip, count in rows:
        country = lookup.get(str(ip), UNKNOWN)
        if country != UNKNOWN:
            votes[str(account)][country] += int(count)
    return {account: c.most_common(1)[0][0] for account, c in votes.items()}


def by_country(dataset_id: str, canonical: Path) -> list[CountryCounts]:
    """Accounts, identifiers and events of a dataset per account country."""
    country = account_countries(canonical)
    con = duckdb.connect()
    try:
        con.register(
            "country",
            pa.table(
                {"account_key": list(country), "country": list(country.values())},
                schema=pa.schema([("account_key", pa.string()), ("country", pa.string())]),
            ),
        )
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for i, table in enumerate(("accounts", "identifiers", "events")):
            path = str(canonical / f"{table}.parquet")
            for code, n in con.execute(
                f"SELECT coalesce(c.country, '{UNKNOWN}'), count(*) FROM read_parquet(?) t "
                "LEFT JOIN country c USING (account_key) GROUP BY ALL",
                [path],
            ).fetchall():
                counts[str(code)][i] += int(n)
    finally:
        con.close()
    return sorted(
        (CountryCounts(dataset_id, code, *values) for code, values in counts.items()),
        key=lambda c: (-c.accounts, c.country),
    )
