"""What gets encoded: the persons of a workspace, or the rows of a CSV file.

A workspace person contributes one record per account, all under the person's ref
(so a person is matched through their best-matching account). Values come from the
derived account records (``derived/records.parquet``), which hold the canonical
accounts of the vault already normalised the same way on every side (casefolded
names, canonical e-mails, usernames with leetspeak and decorations folded).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from intercop.exchange.pprl.clk import Values
from intercop.exchange.pprl.errors import PprlError
from intercop.exchange.pprl.secret import reference
from intercop.workspace import Workspace

#: encoding field -> column of the account record holding it
RECORD_COLUMNS: dict[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "birth_date": "birth_date",
    "email": "email",
    "username": "username_norm",
    "handles": "handles",
    "postcode": "postcode",
    "address": "address",
    "locality": "locality",
    "national_id": "national_id",
}
#: FEBRL column(s) of each encoding field
FEBRL_COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("given_name",),
    "last_name": ("surname",),
    "birth_date": ("date_of_birth",),
    "address": ("street_number", "address_1", "address_2"),
    "locality": ("suburb",),
    "postcode": ("postcode",),
    "national_id": ("soc_sec_id",),
}


def _as_values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw if v]
    if isinstance(raw, date):
        return [raw.isoformat()]
    text = str(raw).strip()
    return [text] if text else []


def person_accounts(workspace: Workspace) -> list[tuple[str, Values]]:
    """``(person_id, values)`` per account of every resolved person, by person then uid."""
    persons_path = workspace.derived / "persons.parquet"
    records_path = workspace.derived / "records.parquet"
    if not persons_path.exists() or not records_path.exists():
        raise PprlError(
            "this workspace has no resolved persons", hint="Run `intercop resolve` first"
        )
    persons = pq.read_table(persons_path, columns=["uid", "person_id"]).to_pylist()
    person_of = {row["uid"]: row["person_id"] for row in persons}
    columns = ["uid", *sorted(set(RECORD_COLUMNS.values()))]
    out: list[tuple[str, Values]] = []
    for row in pq.read_table(records_path, columns=columns).to_pylist():
        pid = person_of.get(row["uid"])
        if pid is None:
            continue
        values = {f: _as_values(row[c]) for f, c in RECORD_COLUMNS.items()}
        out.append((pid, {f: v for f, v in values.items() if v}))
    out.sort(key=lambda item: item[0])
    return out


def workspace_records(workspace: Workspace, ref_key: bytes) -> list[tuple[str, Values]]:
    """The workspace's accounts as ``(ref, values)`` for encoding."""
    return [(reference(ref_key, pid), values) for pid, values in person_accounts(workspace)]


def febrl_date(value: str) -> str:
    """FEBRL's ``YYYYMMDD`` as ISO 8601 (other text as it is)."""
    v = value.strip()
    return f"{v[:4]}-{v[4:6]}-{v[6:]}" if len(v) == 8 and v.isdigit() else v


def csv_records(
    path: Path,
    id_column: str,
    columns: Mapping[str, Sequence[str]] = FEBRL_COLUMNS,
) -> Iterator[tuple[str, Values]]:
    """``(id, values)`` per row of a CSV; each field joins its columns with a space."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in (id_column, *(x for cs in columns.values() for x in cs))
                   if c not in (reader.fieldnames or [])]  # fmt: skip
        if missing:
            raise PprlError(f"{path.name} has no column(s) {', '.join(missing)}")
        for row in reader:
            values: dict[str, list[str]] = {}
            for field, names in columns.items():
                text = " ".join((row[c] or "").strip() for c in names).strip()
                if field == "birth_date":
                    text = febrl_date(text)
                if text:
                    values[field] = [text]
            yield row[id_column], values
