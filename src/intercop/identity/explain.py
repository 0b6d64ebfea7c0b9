"""Why a person is a person: their accounts and every link between them, with weights.

Built from ``derived/`` only (persons, links, records): the explanation shows the
same evidence the resolver used, never more. Attack targets and other third-party
data are not part of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from intercop.errors import IntercopError
from intercop.workspace import Workspace


class PersonNotFoundError(IntercopError):
    """No person with that id."""

    hint = "List persons with `intercop persons`, or run `intercop resolve` first"


@dataclass(frozen=True)
class AccountView:
    uid: str
    dataset_id: str
    account_key: str
    platform: str
    username: str | None
    country: str | None
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class LinkView:
    uid_l: str
    uid_r: str
    kind: str  # judgement | strong | model
    match_weight: float
    merged: bool
    decision: str
    evidence: list[dict[str, Any]]


@dataclass(frozen=True)
class Explanation:
    person_id: str
    accounts: list[AccountView]
    links: list[LinkView]

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "accounts": [a.__dict__ for a in self.accounts],
            "links": [link.__dict__ for link in self.links],
        }


def explain_person(workspace: Workspace, person_id: str) -> Explanation:
    """The accounts of ``person_id`` and the links that join (or nearly joined) them."""
    derived = workspace.derived
    persons = derived / "persons.parquet"
    if not persons.exists():
        raise PersonNotFoundError("no persons yet")
    con = duckdb.connect()
    try:
        uids = [
            r[0]
            for r in con.execute(
                "SELECT uid FROM read_parquet(?) WHERE person_id = ? ORDER BY uid",
                [str(persons), person_id],
            ).fetchall()
        ]
        if not uids:
            raise PersonNotFoundError(f"no person {person_id!r}")
        accounts = [
            AccountView(*(None if v is None else str(v) for v in row))  # type: ignore[arg-type]
            for row in con.execute(
                "SELECT uid, dataset_id, account_key, platform, username, country, "
                "strftime(first_seen, '%Y-%m-%d'), strftime(last_seen, '%Y-%m-%d') "
                "FROM read_parquet(?) WHERE list_contains(?, uid) ORDER BY first_seen, uid",
                [str(derived / "records.parquet"), uids],
            ).fetchall()
        ]
        links = [
            LinkView(a, b, kind, float(w), bool(merged), decision, parse_evidence(ev))
            for a, b, kind, w, merged, decision, ev in con.execute(
                "SELECT uid_l, uid_r, kind, match_weight, merged, decision, evidence "
                "FROM read_parquet(?) WHERE list_contains(?, uid_l) OR list_contains(?, uid_r) "
                "ORDER BY merged DESC, kind, match_weight DESC",
                [str(derived / "links.parquet"), uids, uids],
            ).fetchall()
            if decision != "already together" or (a in uids and b in uids)
        ]
    finally:
        con.close()
    return Explanation(person_id, accounts, links)


def parse_evidence(text: str | None) -> list[dict[str, Any]]:
    """The evidence of a link (JSON text in ``links.parquet``) as a list of comparisons."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return [{"note": text}]
    return value if isinstance(value, list) else [value]
