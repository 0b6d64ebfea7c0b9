"""Account records built from the canonical tables of the ingested synthetic scenario."""

from __future__ import annotations

import csv
import ipaddress
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercop.evidence.ingest import IngestResult
from intercop.evidence.vault import Vault
from intercop.identity.evaluate import load_truth
from intercop.identity.normalise import canonical_email
from intercop.identity.record import ACCOUNT_RECORD
from intercop.identity.records import build_records, write_records
from intercop.synth import Scenario
from intercop.synth.ipspace import vpn_exits
from intercop.synth.takedowns import VPN_EXITS
from intercop.workspace import Workspace

Ingested = tuple[Workspace, dict[str, IngestResult]]
#: platforms whose users table holds the account's own e-mail
EMAIL_IN_USERS = ("cracknet", "darkcode", "nightcrash", "shadowmart")


@pytest.fixture(scope="module")
def records(ingested: Ingested) -> pa.Table:
    return build_records(ingested[0])


@pytest.fixture(scope="module")
def rows(records: pa.Table) -> list[dict[str, Any]]:
    return list(records.to_pylist())


@pytest.fixture(scope="module")
def truth_rows(ingested: Ingested, takedowns: Scenario) -> dict[str, dict[str, str]]:
    """Truth row of each account, by uid."""
    uids = load_truth(ingested[0], takedowns.out)
    datasets = {s.name: m.dataset_id for m in Vault(ingested[0]).manifests() for s in m.sources}
    out = {}
    with (takedowns.out / "truth" / "accounts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = f"{datasets[row['file']]}:{row['account_key']}"
            assert uids[key] == row["person_id"]
            out[key] = row
    return out


def test_one_row_per_account_with_the_contract_schema(
    ingested: Ingested, records: pa.Table, takedowns: Scenario
) -> None:
    assert records.schema.equals(ACCOUNT_RECORD)
    canonical = sum(m.canonical["accounts"] for m in Vault(ingested[0]).manifests())
    assert records.num_rows == canonical == takedowns.accounts
    assert len(set(records.column("uid").to_pylist())) == records.num_rows


def test_lists_are_sorted_never_null_and_ips_public(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for col in ("emails", "ips", "rare_ips", "btc", "phones", "handles"):
            assert row[col] == sorted(set(row[col])), (row["uid"], col)
        assert set(row["rare_ips"]) <= set(row["ips"])
        assert all(ipaddress.ip_address(ip).is_global for ip in row["ips"])
        assert all(p.startswith("+") and p[1:].isdigit() for p in row["phones"])
        if row["email"] is not None:
            assert row["email"] in row["emails"]
            assert row["email"] == f"{row['email_local']}@{row['email_domain']}"
        if row["first_seen"] is not None:
            assert row["first_seen"] <= row["last_seen"]
    assert sum(bool(r["ips"]) for r in rows) > len(rows) / 2
    assert any(r["phones"] for r in rows) and any(r["btc"] for r in rows)


def test_vpn_exits_shared_by_many_are_not_rare(
    rows: list[dict[str, Any]], takedowns: Scenario
) -> None:
    share = Counter(ip for r in rows for ip in r["ips"])
    vpn = set(vpn_exits(takedowns.seed, VPN_EXITS))
    crowded = {ip for ip in vpn if share[ip] > 5}
    assert len(crowded) >= 5  # the scenario does share its VPN exits
    rare = {ip for r in rows for ip in r["rare_ips"]}
    assert not crowded & rare
    assert rare == {ip for ip, n in share.items() if n <= 5}


def test_max_ip_share_moves_the_cut(ingested: Ingested, rows: list[dict[str, Any]]) -> None:
    strict = build_records(ingested[0], max_ip_share=1)
    share = Counter(ip for r in rows for ip in r["ips"])
    rare = {ip for lst in strict.column("rare_ips").to_pylist() for ip in lst}
    assert rare == {ip for ip, n in share.items() if n == 1}


def test_gmail_variants_of_one_person_get_one_canonical_email(
    rows: list[dict[str, Any]], truth_rows: dict[str, dict[str, str]]
) -> None:
    variants: dict[str, set[str]] = defaultdict(set)
    canon: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        truth = truth_rows[row["uid"]]
        if row["platform"] not in EMAIL_IN_USERS:
            continue
        assert row["email"] == canonical_email(truth["email"]), row["uid"]
        if truth["email"].lower().endswith("@gmail.com"):
            variants[truth["person_id"]].add(truth["email"])
            canon[truth["person_id"]].add(row["email"])
    folded = [p for p in variants if len(variants[p]) > 1 and len(canon[p]) == 1]
    assert len(folded) >= 3  # dots, +tags and case all folded to one address


def test_country_is_mostly_the_persons_country(
    ingested: Ingested, takedowns: Scenario, rows: list[dict[str, Any]]
) -> None:
    truth = load_truth(ingested[0], takedowns.out)
    with (takedowns.out / "truth" / "persons.csv").open(encoding="utf-8") as handle:
        country = {p["person_id"]: p["country"] for p in csv.DictReader(handle)}
    placed = [r for r in rows if r["country"] is not None]
    right = sum(r["country"] == country[truth[r["uid"]]] for r in placed)
    assert len(placed) > len(rows) / 2
    assert right / len(placed) > 0.8


def test_names_birth_dates_and_usernames(rows: list[dict[str, Any]]) -> None:
    named = [r for r in rows if r["first_name"]]
    assert named and all(n["first_name"] == n["first_name"].casefold() for n in named)
    born = [r["birth_date"] for r in rows if r["birth_date"] is not None]
    # blackbazaar's 1970-01-01 placeholders are dropped, real birthdays kept
    assert len(born) > 100 and all(b.year > 1900 and b != date(1970, 1, 1) for b in born)
    for r in rows:
        if r["username_norm"]:
            assert r["username_norm"] == (r["username_stem"] or "") + (r["username_digits"] or "")
    assert {r["platform_kind"] for r in rows} == {"booter", "forum", "market"}


def test_empty_vault_gives_an_empty_table(workspace: Workspace) -> None:
    empty = build_records(workspace)
    assert empty.num_rows == 0 and empty.schema.equals(ACCOUNT_RECORD)


def test_write_records(ingested: Ingested, records: pa.Table) -> None:
    path = write_records(ingested[0])
    assert path == ingested[0].derived / "records.parquet"
    written = pq.read_table(path)
    assert written.schema.equals(ACCOUNT_RECORD)
    assert written.num_rows == records.num_rows
    count = duckdb.execute(f"SELECT count(DISTINCT uid) FROM read_parquet('{path}')").fetchall()
    assert count == [(records.num_rows,)]
