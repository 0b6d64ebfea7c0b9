"""Reading the resolved persons back: who is who, and their profile summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow.parquet as pq

from intercop.identity.explain import PersonNotFoundError
from intercop.workspace import Workspace


@dataclass(frozen=True)
class PersonSummary:
    """One person as ``intercop persons`` lists them."""

    person_id: str
    accounts: list[dict[str, str]]
    country: str | None = None
    age: int | None = None
    minor: bool | None = None
    risk: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "accounts": self.accounts,
            "country": self.country,
            "age": self.age,
            "minor": self.minor,
            "risk": self.risk,
            **self.extra,
        }


def person_of(workspace: Workspace) -> dict[str, str]:
    """``uid -> person_id`` of the last resolve run."""
    path = workspace.derived / "persons.parquet"
    if not path.exists():
        raise PersonNotFoundError("no persons yet")
    table = pq.read_table(path, columns=["uid", "person_id"])
    return dict(zip(table.column("uid").to_pylist(), table.column("person_id").to_pylist(),
                    strict=True))  # fmt: skip


def list_persons(
    workspace: Workspace, *, country: str | None = None, person_id: str | None = None
) -> list[PersonSummary]:
    """Every person (or those of ``country``), with accounts and profile figures if built."""
    persons = workspace.derived / "persons.parquet"
    if not persons.exists():
        raise PersonNotFoundError("no persons yet")
    profiles = workspace.derived / "profiles.parquet"
    con = duckdb.connect()
    try:
        grouped = con.execute(
            "SELECT person_id, list({'dataset_id': dataset_id, 'account_key': account_key} "
            "ORDER BY dataset_id, account_key) FROM read_parquet(?) "
            "WHERE ? IS NULL OR person_id = ? GROUP BY person_id ORDER BY person_id",
            [str(persons), person_id, person_id],
        ).fetchall()
        figures: dict[str, tuple[Any, ...]] = {}
        if profiles.exists():
            for row in con.execute(
                "SELECT person_id, country, age, minor_now, risk, minor_at_activity, "
                "country_confidence, age_confidence, repeat_offender FROM read_parquet(?)",
                [str(profiles)],
            ).fetchall():
                figures[str(row[0])] = tuple(row[1:])
    finally:
        con.close()
    out = []
    for pid, accounts in grouped:
        c, age, minor, risk, minor_then, c_conf, a_conf, repeat = figures.get(pid, (None,) * 8)
        if country is not None and (c or "").upper() != country.upper():
            continue
        out.append(PersonSummary(
            str(pid), [dict(a) for a in accounts], c,
            int(age) if age is not None else None,
            bool(minor) if minor is not None else None,
            float(risk) if risk is not None else None,
            {"minor_at_activity": minor_then, "country_confidence": c_conf,
             "age_confidence": a_conf, "repeat_offender": repeat} if pid in figures else {},
        ))  # fmt: skip
    return out
