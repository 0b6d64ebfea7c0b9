"""What a referral discloses about a person: the case, profile figures and account evidence.

Least data by design: profile figures and account fields are taken by an explicit
allow-list, never by copying a row. Victims' and third parties' data (attack targets,
message recipients: ``events.target`` and ``events.detail``) are never read here, only
the *number* of events per kind; identifiers such as IP addresses are not disclosed.
Accounts from datasets another agency owns are withheld and only counted: an agency
discloses its own data.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from intercop.evidence.vault import Vault
from intercop.identity.explain import PersonNotFoundError
from intercop.profiles.build import PROFILES_FILE
from intercop.store.models import Case
from intercop.workspace import Workspace

#: profile figures a receiving team needs to judge the referral (never ``evidence``)
PROFILE_FIELDS = (
    "accounts", "platforms", "platform_kind", "first_activity", "last_activity", "role",
    "repeat_offender", "registered_after_takedown", "attacks", "attack_days",
    "attack_targets", "attack_methods", "attack_categories", "game_share", "payments",
    "spend_eur", "spend_band", "crypto_addresses", "posts", "messages", "sales_threads",
    "sales_messages", "tickets", "country", "country_confidence", "age", "age_band",
    "age_confidence", "minor_at_activity", "minor_now", "risk", "risk_factors",
)  # fmt: skip
#: account fields disclosed (ARCHITECTURE §5 ``accounts``)
ACCOUNT_FIELDS = (
    "platform", "username", "email", "country_claimed", "registered_at", "last_seen_at", "role",
)  # fmt: skip


def jsonable(value: Any) -> Any:
    """``value`` with timestamps, dates and decimals turned into JSON types."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def case_part(case: Case) -> dict[str, Any]:
    """The sending agency's case, as the receiver sees it."""
    return {
        "id": case.id,
        "agency": case.agency,
        "state": case.state,
        "intervention": case.intervention,
        "rule": case.rule,
        "reasons": json.loads(case.reasons or "[]"),
        "country": case.country,
        "minor": case.minor,
        "opened_at": case.created_at.isoformat(),
    }


def profile_part(workspace: Workspace, person_id: str) -> dict[str, Any] | None:
    """The allow-listed profile figures of ``person_id``, or None if profiles are not built."""
    path = workspace.derived / PROFILES_FILE
    if not path.exists():
        return None
    con = duckdb.connect()
    try:
        cursor = con.execute(
            f"SELECT {', '.join(PROFILE_FIELDS)} FROM read_parquet(?) WHERE person_id = ?",
            [str(path), person_id],
        )
        row = cursor.fetchone()
    finally:
        con.close()
    return None if row is None else jsonable(dict(zip(PROFILE_FIELDS, row, strict=True)))


def _accounts_of(workspace: Workspace, person_id: str) -> list[tuple[str, str]]:
    persons = workspace.derived / "persons.parquet"
    if not persons.exists():
        raise PersonNotFoundError("no persons yet")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT DISTINCT dataset_id, account_key FROM read_parquet(?) WHERE person_id = ? "
            "ORDER BY 1, 2",
            [str(persons), person_id],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise PersonNotFoundError(f"no person {person_id!r}")
    return [(str(d), str(k)) for d, k in rows]


def _dataset_accounts(folder: Path, keys: list[str]) -> list[dict[str, Any]]:
    """The allow-listed fields and per-kind event counts of ``keys`` in one dataset."""
    accounts, events = folder / "canonical/accounts.parquet", folder / "canonical/events.parquet"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            f"SELECT account_key, {', '.join(ACCOUNT_FIELDS)} FROM read_parquet(?) "
            "WHERE list_contains(?, account_key) ORDER BY account_key",
            [str(accounts), keys],
        ).fetchall()
        counts: dict[str, dict[str, int]] = {}
        if events.exists():
            # only kind and count: target and detail hold victims' data
            for key, kind, n in con.execute(
                "SELECT account_key, kind, count(*) FROM read_parquet(?) "
                "WHERE list_contains(?, account_key) GROUP BY 1, 2 ORDER BY 1, 2",
                [str(events), keys],
            ).fetchall():
                counts.setdefault(str(key), {})[str(kind)] = int(n)
    finally:
        con.close()
    out = []
    for key, *values in rows:
        entry = jsonable(dict(zip(ACCOUNT_FIELDS, values, strict=True)))
        entry["country"] = entry.pop("country_claimed")
        entry["activity"] = counts.get(str(key), {})
        out.append(entry)
    return out


def accounts_part(
    workspace: Workspace, person_id: str, sender: str
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The person's accounts in ``sender``'s datasets, and the count withheld per owner."""
    vault = Vault(workspace)
    by_dataset: dict[str, list[str]] = {}
    for dataset_id, key in _accounts_of(workspace, person_id):
        by_dataset.setdefault(dataset_id, []).append(key)
    disclosed: list[dict[str, Any]] = []
    withheld: dict[str, int] = {}
    for dataset_id, keys in sorted(by_dataset.items()):
        manifest = vault.manifest(dataset_id)
        if manifest.agency.upper() != sender:
            withheld[manifest.agency] = withheld.get(manifest.agency, 0) + len(keys)
            continue
        for account in _dataset_accounts(vault.path(dataset_id), keys):
            account["dataset_id"] = dataset_id
            account["seized_on"] = jsonable(manifest.seized_on)
            disclosed.append(account)
    return disclosed, withheld
