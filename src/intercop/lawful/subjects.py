"""Data-subject categories (LED art. 6): whose data each column of a dataset holds.

Seized platform data is about three kinds of people: the platform's users, who are
*suspects* (of buying attacks, of selling malware...); the *victims* of their
attacks (attack targets); and *third parties* (the other party of a private
message, people named in a post). Victims' and third parties' data is kept as
evidence but never used to identify or contact anyone, never quoted in a message
and never put in an exchange bundle (tests in ``tests/lawful`` check both).

The canonical tables have a fixed tag per column (``CANONICAL``), except
``events.target``: an attack's target is a victim's, a message's recipient a third
party's. Raw tables are tagged by the role the dataset's mapping gave each column
(``ROLE_SUBJECTS``), so every column is tagged from ingest on.
"""

from __future__ import annotations

from typing import Any

from intercop.evidence.manifest import Manifest

SUBJECTS = ("suspect", "victim", "third_party", "none")

#: canonical table -> column -> category ("none": not about a person: kinds, sources)
CANONICAL: dict[str, dict[str, str]] = {
    "accounts": {
        "dataset_id": "none", "account_key": "suspect", "platform": "none",
        "username": "suspect", "email": "suspect", "display_name": "suspect",
        "first_name": "suspect", "last_name": "suspect", "birth_date": "suspect",
        "phone": "suspect", "country_claimed": "suspect", "registered_at": "suspect",
        "last_seen_at": "suspect", "role": "suspect", "source_table": "none",
    },
    "identifiers": {
        "dataset_id": "none", "account_key": "suspect", "kind": "none", "value": "suspect",
        "raw_value": "suspect", "first_seen": "suspect", "last_seen": "suspect",
        "count": "suspect", "source": "none",
    },
    "events": {
        "dataset_id": "none", "account_key": "suspect", "kind": "none", "at": "suspect",
        "ip": "suspect", "amount": "suspect", "currency": "suspect",
        "target": "victim",  # "third_party" for messages: see subject_category
        "target_port": "victim", "method": "suspect", "duration_s": "suspect",
        "detail": "third_party",  # message references, unmatched user references
        "source": "none",
    },
}  # fmt: skip

#: mapping column role -> category, for the raw tables
ROLE_SUBJECTS: dict[str, str] = {
    "target": "victim",
    "target_port": "victim",
    "recipient": "third_party",
    "text": "third_party",  # bodies of posts and messages name and quote others
}


class UnknownColumnError(KeyError):
    """A canonical table or column the contract does not have."""


def subject_category(table: str, column: str, kind: str | None = None) -> str:
    """The data-subject category of a canonical ``table.column``.

    Args:
        table: ``accounts``, ``identifiers`` or ``events``.
        column: a column of that table.
        kind: for ``events.target``, the event kind: a ``message``'s target is its
            recipient (a third party), any other kind's a victim.
    """
    try:
        category = CANONICAL[table][column]
    except KeyError:
        raise UnknownColumnError(f"{table}.{column} is not a canonical column") from None
    if table == "events" and column in ("target", "target_port") and kind == "message":
        return "third_party"
    return category


def role_subject(role: str) -> str:
    """The category of a raw column from its mapping role (suspect unless listed)."""
    return ROLE_SUBJECTS.get(role, "suspect")


def dataset_subjects(manifest: Manifest) -> dict[str, str]:
    """``table.column`` -> category for every raw column the manifest's mapping names."""
    out: dict[str, str] = {}
    tables: Any = manifest.mapping.get("tables", {})
    if not isinstance(tables, dict):
        return out
    for name, table in tables.items():
        columns = table.get("columns", {}) if isinstance(table, dict) else {}
        for column, spec in columns.items():
            role = spec.get("role", "other") if isinstance(spec, dict) else "other"
            out[f"{name}.{column}"] = role_subject(str(role))
    return out


def protected_columns() -> list[str]:
    """Canonical columns holding victims' or third parties' data."""
    return [f"{t}.{c}" for t, cols in CANONICAL.items() for c, s in cols.items()
            if s in ("victim", "third_party")]  # fmt: skip
