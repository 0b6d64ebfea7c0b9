"""Two (and more) agencies in one workspace, with a person NL can refer and victims' data.

The workspace holds a tiny vault written directly (no ingest): a booter dataset owned by
NL with two accounts of person ``P_REF``, whose attack and message events carry planted
victim targets and recipients, and a forum dataset owned by SE with a third account of
the same person (to be withheld from NL's referral).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercop.access import add_user
from intercop.casework.cases import open_case
from intercop.cli.context import STATE
from intercop.evidence.canonical import ACCOUNTS, EVENTS
from intercop.exchange.agencies import add_agency
from intercop.exchange.keys import ensure_keys
from intercop.store import Store, open_store
from intercop.workspace import Workspace
from tests.casework.profiles import profile, write
from tests.store.backends import BACKENDS, case_store_url

P_REF = "P_REF000001"
#: values that must never leave the agency: attack targets, message recipients
VICTIMS = ("203.0.113.77", "victim-site.example", "victim_recipient", "third.party@example.org")
NL_DATASET = "ds_nl_booter_0001"
SE_DATASET = "ds_se_forum_0002"

#: name -> (role, agency)
USERS = {
    "sam": ("supervisor", "NL"),
    "olle": ("officer", "NL"),
    "ana": ("analyst", "NL"),
    "fin": ("officer", "FI"),
    "sven": ("officer", "SE"),
    "usa": ("officer", "US"),
    "nina": ("supervisor", "NETWORK"),
    "aud": ("auditor", "NL"),
}
AGENCIES = ("NL", "FI", "SE", "US")

_ARROW = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "DECIMAL(18,8)": pa.decimal128(18, 8),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
}


def _table(columns: tuple[tuple[str, str], ...], rows: list[dict[str, object]]) -> pa.Table:
    schema = pa.schema([(name, _ARROW[kind]) for name, kind in columns])
    return pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema)


Rows = list[dict[str, object]]


def _dataset(
    ws: Workspace, dataset_id: str, agency: str, platform: str, accounts: Rows, events: Rows
) -> None:
    folder = ws.vault / dataset_id
    (folder / "canonical").mkdir(parents=True)
    for row in [*accounts, *events]:
        row["dataset_id"] = dataset_id
    pq.write_table(_table(ACCOUNTS, accounts), folder / "canonical/accounts.parquet")
    pq.write_table(_table(EVENTS, events), folder / "canonical/events.parquet")
    manifest = {
        "dataset_id": dataset_id, "platform": platform, "kind": "booter",
        "seized_on": "2026-03-01", "agency": agency, "legal_basis": "test",
        "retention_until": "2031-03-01", "ingested_at": "2026-03-02T10:00:00+00:00",
        "tool_version": "test", "sources": [], "tables": {}, "mapping_software": platform,
        "mapping": {},
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 12, tzinfo=UTC)


def build_data(ws: Workspace) -> None:
    """The vault, persons and profiles of the module docstring."""
    _dataset(ws, NL_DATASET, "NL", "stresserA", [
        {"account_key": "11", "platform": "stresserA", "username": "kid_ddos",
         "email": "kid@example.net", "country_claimed": "FI", "registered_at": _at(1),
         "last_seen_at": _at(20), "role": "customer", "first_name": "Secret",
         "phone": "+000 555 0101", "source_table": "users"},
        {"account_key": "12", "platform": "stresserA", "username": "kid_ddos2",
         "email": "kid2@example.net", "country_claimed": "FI", "registered_at": _at(5),
         "last_seen_at": _at(25), "role": "customer", "source_table": "users"},
    ], [
        {"account_key": "11", "kind": "attack", "at": _at(2), "ip": "198.51.100.9",
         "target": VICTIMS[0], "target_port": 80, "method": "udp", "source": "attacks.target"},
        {"account_key": "11", "kind": "attack", "at": _at(3), "target": VICTIMS[1],
         "method": "syn", "source": "attacks.target"},
        {"account_key": "12", "kind": "message", "at": _at(6), "target": VICTIMS[2],
         "detail": json.dumps({"to": VICTIMS[3], "third_party": True}), "source": "pm.to"},
        {"account_key": "12", "kind": "login", "at": _at(7), "ip": "198.51.100.10",
         "source": "logins.ip"},
    ])  # fmt: skip
    _dataset(ws, SE_DATASET, "SE", "forumB", [
        {"account_key": "7", "platform": "forumB", "username": "kid_on_forum",
         "email": "kid@example.net", "registered_at": _at(9), "source_table": "users"},
    ], [])  # fmt: skip
    persons = [
        {"uid": f"{NL_DATASET}:11", "person_id": P_REF, "dataset_id": NL_DATASET,
         "account_key": "11"},
        {"uid": f"{NL_DATASET}:12", "person_id": P_REF, "dataset_id": NL_DATASET,
         "account_key": "12"},
        {"uid": f"{SE_DATASET}:7", "person_id": P_REF, "dataset_id": SE_DATASET,
         "account_key": "7"},
    ]  # fmt: skip
    ws.derived.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(persons), ws.derived / "persons.parquet")
    write(ws, [profile(P_REF, country="FI", attacks=2, attack_targets=2, messages=1, age=17,
                       minor_now=True)])  # fmt: skip


@dataclass(frozen=True)
class Network:
    """A workspace with users of four agencies, their keys registered, and NL's case."""

    workspace: Workspace
    store: Store
    case_id: int


def setup_network(ws: Workspace, store: Store) -> int:
    """Users, keys, registered agencies and NL's case of ``P_REF``; returns the case id."""
    build_data(ws)
    with store.session() as session:
        for name, (role, agency) in USERS.items():
            add_user(session, name, role, agency, acting="setup")
        for code in AGENCIES:
            keys, _ = ensure_keys(ws, code)
            add_agency(session, code, user="sam", sign_key=keys.sign_public,
                       box_key_text=keys.box_public)  # fmt: skip
        case = open_case(session, P_REF, "NL", "olle", country="FI", minor=True)
        case.intervention = "warning_email"
        case.reasons = json.dumps(["attacks on game servers"])
        session.commit()
        return case.id


@pytest.fixture(params=BACKENDS)
def network(
    request: pytest.FixtureRequest, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Network]:
    """The workspace the CLI sees too (INTERCOP_HOME, INTERCOP_DATABASE_URL)."""
    monkeypatch.setattr(STATE, "workspace_path", None)
    monkeypatch.setenv("INTERCOP_HOME", str(workspace.root))
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        with open_store(workspace, url) as store:
            yield Network(workspace, store, setup_network(workspace, store))
