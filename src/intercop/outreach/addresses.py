"""Where a person can be reached: e-mail addresses from the vault, contacts a team added.

E-mail addresses come from the canonical identifiers (kinds ``email`` and
``paypal_email``) of the person's accounts, best first: the address seen on the most
accounts, then the most recently seen. A ``Contact`` row (a postal, e-mail or webhook
address a team looked up, ``intercop contact import``) overrides the vault.

``address_hash`` is an HMAC of the normalised address under the workspace key: it
identifies an address in the suppression list and bounces without storing it again.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.errors import InputError
from intercop.store.models import Contact
from intercop.workspace import Workspace

CONTACT_KINDS = ("postal", "email", "webhook", "partner")
CONTACT_COLUMNS = ("person_id", "kind", "recipient", "value")
EMAIL_KINDS = ("email", "paypal_email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise(address: str) -> str:
    """The form an address is compared and hashed in (trimmed, lower case)."""
    return address.strip().lower()


def is_email(address: str) -> bool:
    """Whether ``address`` looks like an e-mail address."""
    return bool(_EMAIL.match(address.strip()))


def address_hash(key: bytes, address: str) -> str:
    """HMAC-SHA256 (hex) of the normalised address under the workspace key."""
    return hmac.new(key, normalise(address).encode(), hashlib.sha256).hexdigest()


def mask(address: str) -> str:
    """A form safe to show: ``jan@example.org`` -> ``j***@example.org``."""
    local, at, domain = address.strip().partition("@")
    if not at:
        return (address[:1] + "***") if address else ""
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class Address:
    """Where one message goes: the value, the name on it, and where it came from."""

    value: str
    kind: str  # email | postal | webhook
    recipient: str = ""  # name on the envelope (contacts)
    source: str = "vault"  # "vault" or "contact"

    @property
    def lines(self) -> tuple[str, ...]:
        """Postal address lines (the recipient first)."""
        parts = [p.strip() for p in re.split(r"\n|\|", self.value) if p.strip()]
        return tuple([self.recipient, *parts] if self.recipient else parts)


def vault_emails(workspace: Workspace, person_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each person's e-mail addresses from the vault, best first."""
    wanted = sorted(set(person_ids))
    persons = workspace.derived / "persons.parquet"
    files = [
        str(p)
        for p in sorted(workspace.vault.glob("*/canonical/identifiers.parquet"))
        if not p.parts[-3].startswith(".")
    ]
    if not wanted or not persons.exists() or not files:
        return {}
    con = duckdb.connect()
    try:
        # one columnar hand-over, not a row-by-row INSERT (100k persons in a campaign)
        con.register("wanted", pa.table({"person_id": pa.array(wanted, pa.string())}))
        rows = con.execute(
            "SELECT p.person_id, i.value, count(DISTINCT i.dataset_id || ':' || i.account_key) "
            "AS accounts, max(i.last_seen) AS last_seen "
            "FROM read_parquet(?) p JOIN wanted w USING (person_id) "
            "JOIN read_parquet(?, union_by_name = true) i "
            "ON i.dataset_id = p.dataset_id AND i.account_key = p.account_key "
            f"WHERE i.kind IN {EMAIL_KINDS!r} AND i.value IS NOT NULL AND i.value <> '' "
            "GROUP BY p.person_id, i.value "
            "ORDER BY p.person_id, accounts DESC, last_seen DESC NULLS LAST, i.value",
            [str(persons), files],
        ).fetchall()
    finally:
        con.close()
    found: dict[str, list[str]] = {}
    for person_id, value, _accounts, _last in rows:
        if is_email(value):
            found.setdefault(person_id, []).append(normalise(value))
    return found


def contacts(session: Session, agency: str, person_ids: Iterable[str]) -> dict[str, list[Contact]]:
    """Contacts of an agency for these persons, newest first."""
    wanted = set(person_ids)
    found: dict[str, list[Contact]] = {}
    rows = session.scalars(
        select(Contact).where(Contact.agency == agency).order_by(Contact.id.desc())
    )
    for row in rows:
        if row.person_id in wanted:
            found.setdefault(row.person_id, []).append(row)
    return found


def best_address(
    kind: str, person_contacts: Sequence[Contact], emails: Sequence[str]
) -> Address | None:
    """The address of ``kind`` to use: a contact of that kind, else (e-mail) the vault's best."""
    for c in person_contacts:
        if c.kind == kind:
            return Address(c.value.strip(), kind, c.recipient, "contact")
    if kind == "email" and emails:
        return Address(emails[0], "email")
    return None


@dataclass(frozen=True)
class ContactImport:
    """What ``intercop contact import`` added."""

    path: Path
    added: int
    by_kind: dict[str, int]


def read_contacts(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a contacts CSV with their line numbers; every bad line is reported at once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the contacts file: {exc}", path=path) from exc
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = [c for c in CONTACT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            path=path,
            line=1,
            hint=f"The header must name {', '.join(CONTACT_COLUMNS)}",
        )
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    for record in reader:
        line = reader.line_num
        row = {c: (record.get(c) or "").strip() for c in CONTACT_COLUMNS}
        problem = _problem(row)
        if problem:
            problems.append(f"line {line}: {problem}")
        else:
            rows.append((line, row))
    if problems:
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        shown = "; ".join(problems[:10]) + more
        raise InputError(
            f"{len(problems)} bad line(s), nothing imported: {shown}",
            path=path,
            hint="Fix those lines and import the file again",
        )
    return rows


def _problem(row: dict[str, str]) -> str | None:
    if not row["person_id"]:
        return "person_id is empty"
    if row["kind"] not in CONTACT_KINDS:
        return f"kind {row['kind']!r} is not one of {', '.join(CONTACT_KINDS)}"
    if not row["value"]:
        return "value is empty"
    if row["kind"] == "email" and not is_email(row["value"]):
        return f"value {mask(row['value'])!r} is not an e-mail address"
    if row["kind"] == "postal" and not row["recipient"]:
        return "a postal contact needs the recipient's name"
    return None


def import_contacts(session: Session, path: Path, *, agency: str, user: str) -> ContactImport:
    """Add the contacts of a CSV (person_id, kind, recipient, value) in the caller's transaction."""
    rows = read_contacts(path)
    by_kind: dict[str, int] = {}
    for line, row in rows:
        session.add(
            Contact(
                person_id=row["person_id"],
                agency=agency,
                kind=row["kind"],
                recipient=row["recipient"],
                value=row["value"].strip() if row["kind"] != "email" else normalise(row["value"]),
                source=f"{path.name}:{line}",
                created_by=user,
            )
        )
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + 1
    session.flush()
    return ContactImport(path, len(rows), by_kind)
