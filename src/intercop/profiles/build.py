"""Person profiles: every figure of every person, with the evidence behind it.

``build_profiles`` runs the DuckDB stages (features, repeat offending, clues) over the
vault's Parquet files, then weighs the clues and scores the risk in Python, one
batch of persons at a time. ``write_profiles`` stores the result in
``derived/profiles.parquet`` (written to a temporary file and renamed into place).
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from intercop.evidence.batches import arrow_batches
from intercop.profiles.age import age_band, estimate_age
from intercop.profiles.features import build_accounts, build_features
from intercop.profiles.jurisdiction import Clue, estimate_country
from intercop.profiles.repeat import build_repeat
from intercop.profiles.risk import RiskModel, load_risk_model
from intercop.profiles.signals import build_signals
from intercop.profiles.sources import open_sources
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

PROFILES_FILE = "profiles.parquet"
BATCH = 50_000

#: rough euro value of one unit, for spend bands and the risk score only (not accounting)
EUR_RATES: dict[str, float] = {
    "EUR": 1.0,
    "USD": 0.92,
    "GBP": 1.17,
    "SEK": 0.087,
    "NOK": 0.086,
    "DKK": 0.134,
    "PLN": 0.23,
    "CHF": 1.04,
    "BRL": 0.18,
    "JPY": 0.0062,
    "CAD": 0.68,
    "AUD": 0.61,
    "RUB": 0.01,
    "BTC": 40_000.0,
    "ETH": 2_500.0,
    "LTC": 70.0,
    "XMR": 150.0,
    "USDT": 0.92,
}
SPEND_BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "none"),
    (0.005, "<20"),
    (20.0, "20-99"),
    (100.0, "100-499"),
    (500.0, "500+"),
)

_NAMED = pa.list_(pa.struct([("name", pa.string()), ("attacks", pa.int64())]))
_TS = pa.timestamp("us", tz="UTC")

PROFILE = pa.schema(
    [
        ("person_id", pa.string()),
        ("accounts", pa.int64()),
        ("platforms", pa.list_(pa.string())),
        ("datasets", pa.list_(pa.string())),
        ("platform_kinds", pa.list_(pa.string())),
        ("platform_kind", pa.string()),  # the kinds joined by "+": one cohort per person
        ("first_activity", _TS),
        ("last_activity", _TS),
        ("role", pa.string()),
        ("repeat_offender", pa.bool_()),
        ("registered_after_takedown", pa.bool_()),
        ("attacks", pa.int64()),
        ("attack_days", pa.int64()),
        ("attack_targets", pa.int64()),  # distinct victims: a count, never the values
        ("attack_methods", _NAMED),
        ("attack_categories", _NAMED),
        ("game_share", pa.float64()),
        ("payments", pa.int64()),
        ("spend", pa.list_(pa.struct([("currency", pa.string()), ("amount", pa.float64())]))),
        ("spend_eur", pa.float64()),
        ("spend_band", pa.string()),
        ("crypto_addresses", pa.int64()),
        ("posts", pa.int64()),
        ("messages", pa.int64()),
        ("sales_threads", pa.int64()),
        ("sales_messages", pa.int64()),
        ("tickets", pa.int64()),
        ("country", pa.string()),
        ("country_confidence", pa.float64()),
        ("country_flags", pa.list_(pa.string())),
        ("birth_date", pa.date32()),
        ("birth_year", pa.int32()),
        ("age_basis", pa.string()),
        ("age", pa.int32()),  # today
        ("age_at_first_activity", pa.int32()),
        ("age_at_last_activity", pa.int32()),
        ("age_band", pa.string()),  # of the age at first activity
        ("age_confidence", pa.float64()),
        ("age_flags", pa.list_(pa.string())),
        ("minor_at_activity", pa.bool_()),
        ("minor_now", pa.bool_()),
        ("risk", pa.float64()),
        (
            "risk_factors",
            pa.list_(
                pa.struct(
                    [
                        ("factor", pa.string()),
                        ("value", pa.float64()),
                        ("contribution", pa.float64()),
                    ]
                )
            ),
        ),
        ("evidence", pa.string()),  # JSON: the evidence of every figure
    ]
)

_QUERY = """
SELECT f.*, r.repeat_offender, r.registered_after_takedown, r.repeat_evidence,
       s.ip_clues, s.emails, s.phones, s.claimed, s.birthdays, s.birth_years, s.handles,
       s.languages, s.texts
FROM feat f
LEFT JOIN rep r USING (person_id)
LEFT JOIN sig s USING (person_id)
ORDER BY f.person_id
"""


def spend_band(eur: float) -> str:
    """The cohort band of a spend in euro."""
    band = SPEND_BANDS[0][1]
    for low, name in SPEND_BANDS:
        if eur >= low:
            band = name
    return band


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _profile(row: dict[str, Any], today: date, model: RiskModel) -> dict[str, Any]:
    """One output row from one joined input row."""
    ip_clues = [
        Clue(
            "ip",
            c["country"],
            float(c["points"]),
            {"ips": int(c["ips"]), "shared_ips": int(c["shared_ips"])},
        )
        for c in row["ip_clues"] or []
    ]
    emails: list[str] = row["emails"] or []
    country = estimate_country(
        ip_clues,
        emails,
        [(c["value"], c["platform"]) for c in row["claimed"] or []],
        row["phones"] or [],
        [(x["language"], int(x["texts"])) for x in row["languages"] or []],
        texts=int(row["texts"]),
    )
    names = [(h["name"], h["where"]) for h in row["handles"] or []]
    names += [(e.partition("@")[0], "e-mail") for e in emails]
    age = estimate_age(
        [(b["birth_date"], b["platform"]) for b in row["birthdays"] or []],
        names,
        _day(row["first_activity"]),
        _day(row["last_activity"]),
        today,
        [(int(b["year"]), b["platform"]) for b in row["birth_years"] or []],
    )
    spend_eur, unpriced = 0.0, []
    for s in row["spend"]:
        rate = EUR_RATES.get(s["currency"])
        if rate is None:
            unpriced.append(s["currency"])
        else:
            spend_eur += rate * float(s["amount"])
    attacks = int(row["attacks"])
    game_share = round(int(row["game_attacks"]) / attacks, 4) if attacks else 0.0
    repeat = bool(row["repeat_offender"])
    figures = {
        "attacks": attacks,
        "attack_days": row["attack_days"],
        "game_share": game_share,
        "spend_eur": spend_eur,
        "role": row["role"],
        "repeat_offender": repeat,
        "platforms": len(row["platforms"]),
        "sales": int(row["sales_threads"]) + int(row["sales_messages"]),
        "crypto_addresses": row["crypto_addresses"],
    }
    risk, parts = model.score(figures)
    evidence = {
        "role": row["role_evidence"],
        "repeat_offending": row["repeat_evidence"] or [],
        "attacks": {
            "methods": row["attack_methods"],
            "categories": row["attack_categories"],
            "targets": "distinct victims counted; never listed",
        },
        "money": {
            "spend": row["spend"],
            "unpriced_currencies": unpriced,
            "eur_rates": "approximate, for bands only",
        },
        "country": country.evidence,
        "age": age.evidence,
        "risk": [
            {
                "factor": p.factor,
                "figure": p.figure,
                "raw": p.raw,
                "value": p.value,
                "contribution": p.contribution,
            }
            for p in parts
        ],
    }
    kinds: list[str] = row["platform_kinds"]
    return {
        **{
            k: row[k]
            for k in (
                "person_id",
                "accounts",
                "platforms",
                "datasets",
                "platform_kinds",
                "first_activity",
                "last_activity",
                "role",
                "attacks",
                "attack_days",
                "attack_targets",
                "attack_methods",
                "attack_categories",
                "payments",
                "spend",
                "crypto_addresses",
                "posts",
                "messages",
                "sales_threads",
                "sales_messages",
                "tickets",
            )
        },
        "platform_kind": "+".join(kinds) if kinds else "none",
        "repeat_offender": repeat,
        "registered_after_takedown": bool(row["registered_after_takedown"]),
        "game_share": game_share,
        "spend_eur": round(spend_eur, 2),
        "spend_band": spend_band(spend_eur),
        "country": country.country,
        "country_confidence": country.confidence,
        "country_flags": list(country.flags),
        "birth_date": age.birth_date,
        "birth_year": age.birth_year,
        "age_basis": age.basis,
        "age": age.age_now,
        "age_at_first_activity": age.age_at_first_activity,
        "age_at_last_activity": age.age_at_last_activity,
        "age_band": age_band(age.age_at_first_activity),
        "age_confidence": age.confidence,
        "age_flags": list(age.flags),
        "minor_at_activity": age.minor_at_activity,
        "minor_now": age.minor_now,
        "risk": risk,
        "risk_factors": [
            {"factor": p.factor, "value": p.value, "contribution": p.contribution} for p in parts
        ],
        "evidence": json.dumps(evidence, default=_json_default, ensure_ascii=False),
    }


def build_profiles(
    workspace: Workspace,
    persons: pa.Table,
    *,
    today: date | None = None,
    risk_model: RiskModel | None = None,
    threads: int | None = None,
) -> pa.Table:
    """One profile row per person of ``persons`` (schema ``PROFILE``).

    Args:
        workspace: the workspace whose vault holds the datasets.
        persons: the resolver's table: person_id, dataset_id, account_key (one row per
            account; other columns are ignored).
        today: the date ages and "minor now" refer to (default: the system date).
        risk_model: the risk weights (default: the built-in ``risk.yaml``).
        threads: DuckDB threads (default: all cores).
    """
    today = today or date.today()
    model = risk_model or load_risk_model()
    started = time.perf_counter()
    sources = open_sources(workspace, persons, threads=threads)
    con = sources.con
    try:
        build_accounts(con)
        build_features(con)
        build_repeat(con)
        build_signals(con)
        log.info("profile aggregates in %.1f s", time.perf_counter() - started)
        reader = arrow_batches(con.sql(_QUERY), BATCH)
        batches = []
        for batch in reader:
            rows = [_profile(row, today, model) for row in batch.to_pylist()]
            batches.append(pa.Table.from_pylist(rows, schema=PROFILE))
    finally:
        con.close()
    table = pa.concat_tables(batches) if batches else PROFILE.empty_table()
    log.info("%d profiles in %.1f s", table.num_rows, time.perf_counter() - started)
    return table


def write_profiles(
    workspace: Workspace,
    persons: pa.Table,
    *,
    today: date | None = None,
    risk_model: RiskModel | None = None,
) -> Path:
    """Build the profiles and store them in ``derived/profiles.parquet``; return the path."""
    table = build_profiles(workspace, persons, today=today, risk_model=risk_model)
    workspace.derived.mkdir(parents=True, exist_ok=True)
    target = workspace.derived / PROFILES_FILE
    partial = target.with_suffix(".parquet.partial")
    pq.write_table(table, partial, compression="zstd")
    os.replace(partial, target)
    return target
