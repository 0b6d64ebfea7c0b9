"""The evidence a message may quote about its recipient: their own facts, nothing else.

``facts_for`` reads, in one DuckDB pass for a whole batch of persons, the resolver's
persons table, the profiles and the vault's canonical accounts, identifiers and
events. Invariants:

- only rows of the person's *own* accounts are read (joined on the persons table);
- attack targets, message recipients and message contents are never selected — the
  events table contributes counts only;
- an IP address leaves this module masked (``85.144.x.x``), never whole.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from intercop.errors import IntercopError
from intercop.evidence.vault import Vault
from intercop.workspace import Workspace

log = logging.getLogger(__name__)


class FactsError(IntercopError):
    """The persons or the vault needed for a message's facts are missing."""

    hint = "Run `intercop resolve` after ingesting at least one dataset"


@dataclass(frozen=True)
class Facts:
    """What a message may say about one person; only their own, never victims' data."""

    person_id: str
    platform: str  # the most relevant platform (the booter they attacked from, if any)
    platforms: tuple[str, ...]
    username: str  # their username on ``platform``
    registered: date | None  # shown as the month only
    masked_ip: str | None  # "85.144.x.x" / "2001:db8:x:x::"
    accounts: int
    attacks: int
    logins: int
    payments: int
    country: str | None
    languages: tuple[str, ...]
    minor_now: bool | None


def mask_ip(value: str | None) -> str | None:
    """The first half of an address: IPv4 ``a.b.x.x``, IPv6 ``g1:g2:x:x::``; None if invalid."""
    if not value:
        return None
    try:
        ip = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        a, b, _, _ = str(ip).split(".")
        return f"{a}.{b}.x.x"
    g1, g2 = (format(int(g, 16), "x") for g in ip.exploded.split(":")[:2])
    return f"{g1}:{g2}:x:x::"


def sample_facts() -> Facts:
    """Made-up facts that exercise every placeholder (template checks and previews)."""
    return Facts(
        person_id="PER-SAMPLE",
        platform="examplestresser",
        platforms=("examplestresser", "exampleforum"),
        username="sample_user",
        registered=date(2024, 3, 14),
        masked_ip="203.0.x.x",
        accounts=2,
        attacks=1234,
        logins=56,
        payments=3,
        country="NL",
        languages=("nl",),
        minor_now=True,
    )


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


# The main account of a person: on a booter before a forum, then the one with most
# attacks, then most activity, then the latest registration. Only counts of events.
_QUERY = """
WITH pm AS (
    SELECT DISTINCT CAST(p.person_id AS VARCHAR) AS person_id,
           CAST(p.dataset_id AS VARCHAR) AS dataset_id,
           CAST(p.account_key AS VARCHAR) AS account_key
    FROM read_parquet(?) p JOIN wanted w ON CAST(p.person_id AS VARCHAR) = w.person_id
),
evc AS (
    SELECT e.dataset_id, e.account_key,
           count(*) FILTER (WHERE e.kind = 'attack') AS attacks,
           count(*) FILTER (WHERE e.kind = 'login') AS logins,
           count(*) FILTER (WHERE e.kind = 'payment') AS payments,
           min(e."at") FILTER (WHERE e.kind = 'registration') AS registered_event
    FROM ev e JOIN pm USING (dataset_id, account_key)
    GROUP BY ALL
),
own AS (
    SELECT pm.person_id, pm.dataset_id, pm.account_key,
           coalesce(d.platform, a.platform, '') AS platform,
           coalesce(d.kind, 'other') AS kind,
           coalesce(a.username, '') AS username,
           coalesce(a.registered_at, c.registered_event) AS registered_at,
           coalesce(c.attacks, 0) AS attacks, coalesce(c.logins, 0) AS logins,
           coalesce(c.payments, 0) AS payments
    FROM pm
    JOIN acc a USING (dataset_id, account_key)
    LEFT JOIN ds d USING (dataset_id)
    LEFT JOIN evc c USING (dataset_id, account_key)
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY person_id
        ORDER BY (kind = 'booter') DESC, attacks DESC, logins + payments DESC,
                 registered_at DESC NULLS LAST, dataset_id, account_key
    ) AS rank
    FROM own
),
ips AS (
    SELECT r.person_id, i.value,
           row_number() OVER (
               PARTITION BY r.person_id
               ORDER BY r.rank, coalesce(i.count, 0) DESC, i.last_seen DESC NULLS LAST, i.value
           ) AS n
    FROM ranked r
    JOIN idf i USING (dataset_id, account_key)
    WHERE i.kind = 'ip' AND i.value IS NOT NULL
)
SELECT r.person_id,
       any_value(r.platform) FILTER (WHERE r.rank = 1) AS platform,
       any_value(r.username) FILTER (WHERE r.rank = 1) AS username,
       any_value(r.registered_at) FILTER (WHERE r.rank = 1) AS registered_at,
       list(DISTINCT r.platform) FILTER (WHERE r.platform <> '') AS platforms,
       count(*) AS accounts, sum(r.attacks) AS attacks, sum(r.logins) AS logins,
       sum(r.payments) AS payments,
       any_value(ip.value) AS ip
FROM ranked r
LEFT JOIN ips ip ON ip.person_id = r.person_id AND ip.n = 1
GROUP BY r.person_id
"""


def _connect(workspace: Workspace, wanted: list[str]) -> duckdb.DuckDBPyConnection:
    """A connection with ``wanted``, ``ds`` and the canonical views ``acc``, ``ev``, ``idf``."""
    manifests = Vault(workspace).manifests()
    if not manifests:
        raise FactsError(f"the vault of {workspace.root} holds no dataset")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("wanted_in", pa.table({"person_id": pa.array(wanted, pa.string())}))
    con.execute("CREATE TEMP TABLE wanted AS SELECT DISTINCT person_id FROM wanted_in")
    con.register(
        "ds_in",
        pa.table(
            {
                "dataset_id": [m.dataset_id for m in manifests],
                "platform": [m.platform for m in manifests],
                "kind": [m.kind for m in manifests],
            }
        ),
    )
    con.execute("CREATE TEMP TABLE ds AS SELECT * FROM ds_in")
    for view, table in (("acc", "accounts"), ("ev", "events"), ("idf", "identifiers")):
        paths = [
            workspace.vault / m.dataset_id / "canonical" / f"{table}.parquet" for m in manifests
        ]
        present = [p for p in paths if p.is_file()]
        if not present:
            raise FactsError(f"no dataset of {workspace.vault} has canonical {table}")
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_files(present)}, "
            "union_by_name = true)"
        )
    return con


def _languages(evidence: str | None) -> tuple[str, ...]:
    """Languages of the person's texts from the profile's country evidence, most texts first."""
    if not evidence:
        return ()
    try:
        clues = json.loads(evidence).get("country") or []
    except (ValueError, AttributeError):
        log.warning("profile evidence is not JSON; languages ignored")
        return ()
    found = [
        (int(c.get("texts") or 0), str(c["language"]))
        for c in clues
        if isinstance(c, dict) and c.get("kind") == "language" and c.get("language")
    ]
    return tuple(code for _, code in sorted(found, key=lambda t: (-t[0], t[1])))


def _profiles(workspace: Workspace, con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    path = workspace.derived / "profiles.parquet"
    if not path.exists():
        return {}
    rows = con.execute(
        "SELECT p.person_id, p.country, p.minor_now, p.evidence FROM read_parquet(?) p "
        "JOIN wanted w USING (person_id)",
        [str(path)],
    ).fetchall()
    return {str(r[0]): tuple(r[1:]) for r in rows}


def _day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def facts_for(workspace: Workspace, person_ids: Iterable[str]) -> dict[str, Facts]:
    """The facts of each person of ``person_ids`` that the last resolve knows.

    Persons that are not in ``derived/persons.parquet`` are absent from the result.
    """
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    persons = workspace.derived / "persons.parquet"
    if not persons.exists():
        raise FactsError(f"{persons} is missing: there are no persons yet")
    con = _connect(workspace, wanted)
    try:
        rows = con.execute(_QUERY, [str(persons)]).fetchall()
        profiles = _profiles(workspace, con)
    finally:
        con.close()
    out: dict[str, Facts] = {}
    for pid, platform, username, registered, platforms, accounts, attacks, logins, pays, ip in rows:
        country, minor, evidence = profiles.get(pid, (None, None, None))
        main = str(platform or "")
        others = sorted(p for p in (platforms or []) if p != main)
        out[pid] = Facts(
            person_id=pid,
            platform=main,
            platforms=tuple([main, *others] if main else others),
            username=str(username or ""),
            registered=_day(registered),
            masked_ip=mask_ip(ip),
            accounts=int(accounts),
            attacks=int(attacks or 0),
            logins=int(logins or 0),
            payments=int(pays or 0),
            country=country,
            languages=_languages(evidence),
            minor_now=bool(minor) if minor is not None else None,
        )
    log.info("facts of %d of %d persons", len(out), len(wanted))
    return out
