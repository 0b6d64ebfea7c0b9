"""Small, deterministic ``derived/profiles.parquet`` files for the casework tests."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from intercop.profiles.build import PROFILE, PROFILES_FILE
from intercop.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "accounts": 1,
    "platforms": ["booterA"],
    "datasets": ["ds1"],
    "platform_kinds": ["booter"],
    "platform_kind": "booter",
    "role": "customer",
    "repeat_offender": False,
    "registered_after_takedown": False,
    "attacks": 10,
    "attack_days": 2,
    "attack_targets": 3,
    "attack_methods": [{"name": "udp", "attacks": 10}],
    "game_share": 0.5,
    "payments": 1,
    "spend_eur": 15.0,
    "spend_band": "<20",
    "crypto_addresses": 0,
    "posts": 0,
    "messages": 0,
    "sales_threads": 0,
    "sales_messages": 0,
    "tickets": 0,
    "country": "NL",
    "country_confidence": 0.9,
    "age": 19,
    "age_band": "18-20",
    "minor_now": False,
    "minor_at_activity": False,
    "risk": 20.0,
}


def profile(person_id: str, **values: Any) -> dict[str, Any]:
    """One profile row: the defaults with ``values`` on top."""
    return {"person_id": person_id, **DEFAULTS, **values}


def write(workspace: Workspace, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` as the workspace's profiles (PROFILE schema; other columns null)."""
    workspace.derived.mkdir(parents=True, exist_ok=True)
    full = [{name: row.get(name) for name in PROFILE.names} for row in rows]
    pq.write_table(pa.Table.from_pylist(full, schema=PROFILE), workspace.derived / PROFILES_FILE)


def population(n: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` varied profiles, the same for the same ``n`` and ``seed``."""
    countries = ["NL", "NL", "GB", "FI", "SE", "DE", None, "US"]
    roles = ["customer"] * 12 + ["seller", "admin", "unknown"]
    rows = []
    for i in range(n):
        k = (i * 7919 + seed * 104729) % 1_000_003
        rows.append(
            profile(
                f"p{i:06d}",
                country=countries[k % len(countries)],
                country_confidence=[0.3, 0.7, 0.95][k % 3],
                role=roles[k % len(roles)],
                attacks=[0, 1, 40, 150, 900, 6000][k % 6],
                payments=k % 3,
                spend_eur=float(k % 700),
                age=[13, 16, 19, 22, 27, 35, None][k % 7],
                minor_now=[True, True, False, False, False, False, None][k % 7],
                repeat_offender=k % 11 == 0,
                posts=k % 30,
                sales_threads=k % 13 // 10,
                risk=float(k % 100),
                attack_methods=[{"name": f"m{j}", "attacks": 1} for j in range(k % 5)],
            )
        )
    return rows
