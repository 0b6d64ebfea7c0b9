"""The person fields a triage rule or an eligibility rule can test.

Most are profile columns (``derived/profiles.parquet``); a few are derived here and
documented as such (``methods``, ``platforms``, ``sales``, ``risk_band``,
``first_offence``). ``person_fields`` turns one profile row into the flat dict the
rules read; ``field_table`` does the same for a whole Arrow table, fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from intercop.profiles.age import AGE_BANDS
from intercop.profiles.build import SPEND_BANDS
from intercop.profiles.features import ROLE_RANK

KINDS = ("int", "number", "bool", "text")

#: risk score bands: (lowest score, band)
RISK_BANDS: tuple[tuple[float, str], ...] = ((0.0, "low"), (30.0, "medium"), (60.0, "high"))


@dataclass(frozen=True)
class Field:
    """One field: its type, what it means, and (for texts) the values it can take."""

    name: str
    kind: str
    description: str
    choices: tuple[str, ...] = ()
    derived: bool = False
    upper: bool = False  # a code written in upper case (country)


def _f(name: str, kind: str, description: str, **extra: Any) -> tuple[str, Field]:
    return name, Field(name, kind, description, **extra)


FIELDS: dict[str, Field] = dict(
    [
        _f("attacks", "int", "attacks launched"),
        _f("attack_days", "int", "days with at least one attack"),
        _f("attack_targets", "int", "distinct attack targets (a count; never the victims)"),
        _f("game_share", "number", "share of attacks aimed at game services (0..1)"),
        _f("payments", "int", "payments made"),
        _f("spend_eur", "number", "payments, roughly in euro"),
        _f("spend_band", "text", "band of spend_eur", choices=tuple(b for _, b in SPEND_BANDS)),
        _f("crypto_addresses", "int", "distinct crypto addresses used"),
        _f("role", "text", "highest role over the accounts", choices=tuple(ROLE_RANK)),
        _f("repeat_offender", "bool", "active after the takedown of an earlier platform"),
        _f("registered_after_takedown", "bool", "registered after an earlier takedown"),
        _f("accounts", "int", "accounts of the person"),
        _f("platform_kind", "text", "kinds of platform joined by '+', e.g. booter+forum"),
        _f("posts", "int", "forum posts"),
        _f("messages", "int", "private messages sent"),
        _f("sales_threads", "int", "sales threads started (skill/commerce signal)"),
        _f("sales_messages", "int", "sales messages sent"),
        _f("tickets", "int", "support tickets opened"),
        _f("age", "int", "estimated age today"),
        _f("age_at_first_activity", "int", "estimated age at the first activity"),
        _f(
            "age_band",
            "text",
            "band of the age at first activity",
            choices=(*(b for _, b in AGE_BANDS), "unknown"),
        ),
        _f("minor_now", "bool", "under 18 today"),
        _f("minor_at_activity", "bool", "under 18 at some activity"),
        _f("country", "text", "estimated country (ISO 3166 code, e.g. NL)", upper=True),
        _f("country_confidence", "number", "confidence of the country (0..1)"),
        _f("risk", "number", "risk score (0..100)"),
        _f("methods", "int", "distinct attack methods used (skill signal)", derived=True),
        _f("platforms", "int", "platforms with an account", derived=True),
        _f("sales", "int", "sales_threads + sales_messages", derived=True),
        _f(
            "risk_band",
            "text",
            "low (<30), medium (30-59.99), high (>=60) risk",
            choices=tuple(b for _, b in RISK_BANDS),
            derived=True,
        ),
        _f("first_offence", "bool", "on one platform only and not a repeat offender", derived=True),
    ]
)

#: profile columns read as they are
_PLAIN = tuple(n for n, f in FIELDS.items() if not f.derived)


def risk_band(risk: float | None) -> str | None:
    """The band of a risk score (None when unknown)."""
    if risk is None:
        return None
    band = RISK_BANDS[0][1]
    for low, name in RISK_BANDS:
        if risk >= low:
            band = name
    return band


def person_fields(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of one profile row (as ``pyarrow`` ``to_pylist`` gives it)."""
    row = {name: profile.get(name) for name in _PLAIN}
    row["person_id"] = profile["person_id"]
    row["methods"] = len(profile.get("attack_methods") or [])
    row["platforms"] = len(profile.get("platforms") or [])
    _derive(row)
    return row


def _derive(row: dict[str, Any]) -> None:
    row["sales"] = int(row.get("sales_threads") or 0) + int(row.get("sales_messages") or 0)
    row["risk_band"] = risk_band(row.get("risk"))
    repeat = row.get("repeat_offender")
    row["first_offence"] = (not repeat) and row["platforms"] <= 1


def field_rows(table: pa.Table) -> list[dict[str, Any]]:
    """The fields of every row of a profiles table (list columns counted in Arrow)."""
    present = set(table.column_names)
    columns = {n: table.column(n) for n in ("person_id", *_PLAIN) if n in present}
    for name, source in (("methods", "attack_methods"), ("platforms", "platforms")):
        if source in present:
            columns[name] = pc.fill_null(pc.list_value_length(table.column(source)), 0)
        else:
            columns[name] = pa.array([0] * table.num_rows, pa.int32())
    rows: list[dict[str, Any]] = pa.table(columns).to_pylist()
    for row in rows:
        for name in _PLAIN:
            row.setdefault(name, None)
        _derive(row)
    return rows


def describe_fields() -> str:
    """The field names, for error messages."""
    return ", ".join(FIELDS)
