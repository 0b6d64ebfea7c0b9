"""Linkage engines: the registry, DuckDB and Spark, and that both give the same pairs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from intercop.errors import ConfigError, LinkageError
from intercop.evidence.ingest import IngestResult
from intercop.identity.engines import (
    ENGINES,
    PAIRS,
    DuckDBEngine,
    LinkageEngine,
    SparkEngine,
    engine,
)
from intercop.identity.record import ACCOUNT_RECORD
from intercop.workspace import Workspace
from tests.identity.test_model import population, records

_LEET = str.maketrans("431057", "aeiost")


def rough_records(ingested: tuple[Workspace, dict[str, IngestResult]]) -> pa.Table:
    """Account records built crudely from the canonical tables (stand-in for records.py)."""
    ws, _ = ingested
    vault = ws.root / "vault"
    con = duckdb.connect()
    accounts = con.sql(
        f"select * from read_parquet('{vault}/*/canonical/accounts.parquet')"
    ).to_arrow_table()
    ids = con.sql(
        f"select dataset_id || ':' || account_key as uid, kind, value "
        f"from read_parquet('{vault}/*/canonical/identifiers.parquet') "
        "where kind in ('email', 'paypal_email', 'ip')"
    ).fetchall()
    emails: dict[str, list[str]] = {}
    ips: dict[str, set[str]] = {}
    for uid, kind, value in ids:
        if kind == "ip":
            ips.setdefault(uid, set()).add(value)
        elif _email(value):
            emails.setdefault(uid, []).append(_email(value) or "")
    sharing: dict[str, int] = {}
    for seen in ips.values():
        for ip in seen:
            sharing[ip] = sharing.get(ip, 0) + 1
    rows = []
    for a in accounts.to_pylist():
        uid = f"{a['dataset_id']}:{a['account_key']}"
        email = _email(a["email"]) or min(emails.get(uid, [""])) or None
        norm = re.sub(r"[^0-9a-z]", "", (a["username"] or "").casefold()) or None
        head = norm.rstrip("0123456789").translate(_LEET) if norm else None
        digits = norm[len(norm.rstrip("0123456789")) :] if norm else ""
        rows.append(
            {
                "uid": uid,
                "dataset_id": a["dataset_id"],
                "account_key": a["account_key"],
                "username_norm": (head or "") + digits or None,
                "username_stem": head if head and len(head) >= 3 else None,
                "email": email,
                "email_local": email.split("@")[0] if email else None,
                "rare_ips": sorted(ip for ip in ips.get(uid, ()) if sharing[ip] <= 10),
                "first_name": (a["first_name"] or "").casefold() or None,
                "last_name": (a["last_name"] or "").casefold() or None,
                "birth_date": a["birth_date"],
            }
        )
    full = [{name: row.get(name) for name in ACCOUNT_RECORD.names} for row in rows]
    return pa.Table.from_pylist(full, schema=ACCOUNT_RECORD)


def _email(raw: str | None) -> str | None:
    if not raw or "@" not in raw:
        return None
    local, _, domain = raw.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        domain, local = "gmail.com", local.replace(".", "")
    return f"{local}@{domain}" if local else None


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[SparkEngine]:
    with SparkEngine() as spark:
        yield spark


@pytest.fixture(scope="module")
def realistic(ingested: tuple[Workspace, dict[str, IngestResult]]) -> pa.Table:
    return rough_records(ingested)


@pytest.fixture(scope="module")
def realistic_model(realistic: pa.Table) -> dict[str, Any]:
    return DuckDBEngine().train(realistic)


def test_registry_builds_engines_by_name() -> None:
    assert set(ENGINES) == {"duckdb", "spark"}
    assert isinstance(engine("duckdb"), DuckDBEngine)
    assert isinstance(engine("spark", master="local[1]"), SparkEngine)
    with pytest.raises(ConfigError, match="duckdb, spark"):
        engine("oracle")


def test_importing_the_engines_does_not_start_spark() -> None:
    code = "import sys, intercop.identity.engines; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_duckdb_links_one_person_and_not_namesakes() -> None:
    table = population()
    extra = records(
        [
            {"uid": "cccc:1", "username_norm": "admin", "username_stem": "admin",
             "email": "one@example.net", "email_local": "one", "country": "NL"},
            {"uid": "dddd:1", "username_norm": "admin", "username_stem": "admin",
             "email": "two@example.com", "email_local": "two", "country": "BR"},
            {"uid": "eeee:1", "username_norm": "admin", "username_stem": "admin",
             "email": "three@example.com", "email_local": "three", "country": "US"},
        ]
    )  # fmt: skip
    table = pa.concat_tables([table, extra])
    duck = DuckDBEngine()
    trained = duck.train(table)
    pairs = duck.predict(table, trained, threshold=0.9)
    assert pairs.schema == PAIRS
    found = {(r["uid_l"], r["uid_r"]) for r in pairs.to_pylist()}
    assert ("aaaa:7", "bbbb:7") in found
    assert all(left < right for left, right in found)
    assert not any(left.startswith(("cccc", "dddd")) for left, _ in found)
    # every linked pair is one person's two accounts in this population
    assert all(left.split(":")[1] == right.split(":")[1] for left, right in found)
    assert len(found) > 100


def test_evidence_says_why_two_accounts_are_linked() -> None:
    table = population()
    duck = DuckDBEngine()
    pairs = duck.predict(table, duck.train(table), threshold=0.5).to_pylist()
    pair = next(p for p in pairs if (p["uid_l"], p["uid_r"]) == ("aaaa:7", "bbbb:7"))
    evidence = {e["comparison"]: e for e in json.loads(pair["evidence"])}
    assert evidence["email"]["level"] == "exact"
    assert evidence["email"]["weight"] > 5
    assert evidence["rare_ips"]["level"] == "1+ shared"  # person 7 has an odd number
    assert evidence["first_name"] == {"comparison": "first_name", "level": "no evidence",
                                      "weight": 0.0}  # fmt: skip
    assert sum(e["weight"] for e in evidence.values()) > pair["match_weight"]  # the prior


def test_engine_failures_become_linkage_errors() -> None:
    class Broken(DuckDBEngine):
        def _register(self, db_api: Any, table: pa.Table) -> Any:
            return super()._register(db_api, table.drop_columns(["email"]))

    table = population(20)
    trained = DuckDBEngine().train(population())
    with pytest.raises(LinkageError, match="duckdb engine: scoring pairs") as caught:
        Broken().predict(table, trained, threshold=0.5)
    assert caught.value.engine == "duckdb"


def test_engines_are_one_abstract_class() -> None:
    assert issubclass(SparkEngine, LinkageEngine)
    assert SparkEngine.DIALECT == "spark"
    assert DuckDBEngine.DIALECT == "duckdb"


def test_duckdb_on_realistic_records_is_precise(
    realistic: pa.Table, realistic_model: dict[str, Any]
) -> None:
    pairs = DuckDBEngine().predict(realistic, realistic_model, threshold=0.9)
    assert pairs.num_rows > realistic.num_rows / 10
    uids, norms = realistic["uid"].to_pylist(), realistic["username_norm"].to_pylist()
    names = dict(zip(uids, norms, strict=True))
    common = [
        r for r in pairs.to_pylist() if names[r["uid_l"]] in ("admin", "test")
        and names[r["uid_l"]] == names[r["uid_r"]]
    ]  # fmt: skip
    # "admin" and "test" accounts of unrelated people must not link on the name alone
    for row in common:
        support = [
            e for e in json.loads(row["evidence"])
            if e["weight"] > 0 and e["comparison"] != "username"
        ]  # fmt: skip
        assert support, row


@pytest.mark.slow
def test_spark_gives_the_same_pairs_as_duckdb(
    spark_engine: SparkEngine, realistic: pa.Table, realistic_model: dict[str, Any]
) -> None:
    duck = DuckDBEngine().predict(realistic, realistic_model, threshold=0.9).to_pylist()
    spark = spark_engine.predict(realistic, realistic_model, threshold=0.9).to_pylist()
    assert [(r["uid_l"], r["uid_r"]) for r in spark] == [(r["uid_l"], r["uid_r"]) for r in duck]
    for a, b in zip(duck, spark, strict=True):
        assert a["match_weight"] == pytest.approx(b["match_weight"], abs=1e-6)
        left, right = json.loads(a["evidence"]), json.loads(b["evidence"])
        assert [(e["comparison"], e["level"]) for e in left] == [
            (e["comparison"], e["level"]) for e in right
        ]
        assert [e["weight"] for e in left] == pytest.approx([e["weight"] for e in right])


@pytest.mark.slow
def test_spark_trains_a_model_duckdb_can_use(spark_engine: SparkEngine) -> None:
    table = population(60)
    trained = spark_engine.train(table)
    assert trained["sql_dialect"] == "spark"
    pairs = DuckDBEngine().predict(table, trained, threshold=0.9).to_pylist()
    assert ("aaaa:7", "bbbb:7") in {(r["uid_l"], r["uid_r"]) for r in pairs}
