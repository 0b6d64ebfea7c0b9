"""When persons were active in the seized data: first activity after a time, and coverage.

Activity is any canonical event of the kinds in ``ACTIVITY_KINDS`` of any of the person's
accounts (``derived/persons.parquet`` maps each account, ``dataset_id`` + ``account_key``,
to its person). A new account (``registration``) counts: coming back under a new name
is what a warning is meant to prevent.

Coverage: seized data only shows activity up to the takedowns, so follow-up ends at the
last date the vault covers at all: the latest event of any dataset (the latest event
``at`` stands in for the day of seizure, which manifests often lack or round). Any
platform counts, not only the ones the person used before: reoffenders move on to the
next booter, and a later takedown of a platform they never used before is exactly where
they reappear. A person is therefore followed up to the newest takedown in the vault.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from intercop.evaluation.errors import EvaluationError
from intercop.evidence.vault import Vault
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

ACTIVITY_KINDS = ("registration", "login", "attack", "payment", "post", "message")


@dataclass(frozen=True)
class FirstActivity:
    """A person's first activity after a start time."""

    at: datetime
    kind: str
    dataset_id: str


@dataclass(frozen=True)
class ActivityScan:
    """What the vault says about a set of persons after their start times."""

    first: Mapping[str, FirstActivity]  # persons seen active after their start
    coverage: Mapping[str, datetime]  # last date the vault covers, per known person
    unknown: frozenset[str]  # persons not in derived/persons.parquet


def _files(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def scan_activity(workspace: Workspace, starts: Mapping[str, datetime]) -> ActivityScan:
    """First activity after ``starts[person]`` and the coverage end, for every person."""
    persons_file = workspace.derived / "persons.parquet"
    if not persons_file.is_file():
        raise EvaluationError(
            f"{persons_file} is missing: no person is linked to the seized data",
            hint="Run `intercop resolve` first",
        )
    manifests = Vault(workspace).manifests()
    events = [workspace.vault / m.dataset_id / "canonical" / "events.parquet" for m in manifests]
    present = [str(p) for p in events if p.is_file()]
    if not present:
        raise EvaluationError(
            f"no dataset in {workspace.vault} has canonical events; reoffending cannot be seen",
            hint="Ingest the seized datasets first",
        )
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register(
            "starts_in",
            pa.table(
                {"person_id": list(starts), "start_at": list(starts.values())},
                schema=pa.schema(
                    [("person_id", pa.string()), ("start_at", pa.timestamp("us", "UTC"))]
                ),
            ),
        )
        con.execute(
            "CREATE TEMP TABLE pm AS SELECT DISTINCT CAST(p.person_id AS VARCHAR) AS person_id, "
            "CAST(p.dataset_id AS VARCHAR) AS dataset_id, "
            "CAST(p.account_key AS VARCHAR) AS account_key "
            f"FROM read_parquet('{persons_file.as_posix()}') p "
            "JOIN starts_in s ON s.person_id = CAST(p.person_id AS VARCHAR)"
        )
        con.execute(
            f'CREATE TEMP VIEW ev AS SELECT dataset_id, account_key, kind, "at" '
            f"FROM read_parquet({_files(present)}, union_by_name = true)"
        )
        known = {r[0] for r in con.execute("SELECT DISTINCT person_id FROM pm").fetchall()}
        last = con.execute('SELECT max("at") FROM ev WHERE "at" IS NOT NULL').fetchone()
        coverage = {person: _utc(last[0]) for person in known} if last and last[0] else {}
        kinds = ", ".join(f"'{k}'" for k in ACTIVITY_KINDS)
        first = {
            person: FirstActivity(_utc(at), kind, dataset)
            for person, at, kind, dataset in con.execute(
                'SELECT pm.person_id, min(e."at"), arg_min(e.kind, e."at"), '
                'arg_min(e.dataset_id, e."at") '
                "FROM ev e JOIN pm ON e.dataset_id = pm.dataset_id "
                "AND e.account_key = pm.account_key "
                "JOIN starts_in s ON s.person_id = pm.person_id "
                f'WHERE e.kind IN ({kinds}) AND e."at" > s.start_at GROUP BY pm.person_id'
            ).fetchall()
        }
    except duckdb.Error as exc:
        raise EvaluationError(f"the vault's events could not be read: {exc}") from exc
    finally:
        con.close()
    unknown = frozenset(starts) - known
    log.info("activity of %d persons scanned (%d active after start)", len(starts), len(first))
    return ActivityScan(first, coverage, unknown)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
