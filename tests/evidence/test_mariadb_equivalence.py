"""Every raw table equals what MariaDB holds after restoring the same synthetic dump.

The dumps are loaded with the real `mysql` client into the local MariaDB server and
read back with PyMySQL; each ingested raw table must have the same rows, value by
value, binary included. Columns minimised at ingest are compared through the same
keyed hash (or must be absent, when dropped).
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercop.evidence.ingest import IngestResult
from intercop.evidence.minimise import keyed_hash
from intercop.synth import Scenario
from intercop.workspace import Workspace

pytestmark = pytest.mark.service

MYSQL_FORMATS = ("mysqldump", "phpmyadmin", "mybb-hexblob", "mybb-escaped")


def _mysql_files(scenario: Scenario) -> list[str]:
    return [f.path for f in scenario.files if f.path.endswith(".sql")]


@pytest.fixture(scope="module")
def restored(mariadb: dict[str, object], takedowns: Scenario) -> Iterator[dict[str, str]]:
    """Each MySQL-format dump restored into its own scratch database."""
    base = [str(mariadb["client"]), f"-h{mariadb['host']}", f"-P{mariadb['port']}",
            f"-u{mariadb['user']}"]  # fmt: skip
    databases = {}
    try:
        for i, path in enumerate(_mysql_files(takedowns)):
            db = f"intercop_eq_{os.getpid()}_{i}"  # concurrent runs must not share databases
            subprocess.run([*base, "-e", f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}"],
                           check=True)  # fmt: skip
            with (takedowns.out / path).open("rb") as dump:
                done = subprocess.run([*base, db], stdin=dump, capture_output=True, check=False)
            assert done.returncode == 0, done.stderr.decode()[-500:]
            databases[path] = db
        yield databases
    finally:
        for db in databases.values():
            subprocess.run([*base, "-e", f"DROP DATABASE IF EXISTS {db}"], check=False)


def _fetch(
    mariadb: dict[str, object], db: str, table: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    import pymysql

    con = pymysql.connect(
        host=str(mariadb["host"]), port=int(str(mariadb["port"])), user=str(mariadb["user"]),
        database=db, charset="utf8mb4", binary_prefix=False,
    )  # fmt: skip
    try:
        with con.cursor() as cur:
            cur.execute(f"SELECT * FROM `{table}`")
            names = [d[0] for d in cur.description]
            return names, [tuple(r) for r in cur.fetchall()]
    finally:
        con.close()


def test_dumps_cover_every_mysql_style(takedowns: Scenario) -> None:
    formats = {f.format for f in takedowns.files if f.path.endswith(".sql")}
    assert set(MYSQL_FORMATS) <= formats, formats


def test_raw_tables_equal_mariadb(
    mariadb: dict[str, object],
    restored: dict[str, str],
    ingested: tuple[Workspace, dict[str, IngestResult]],
) -> None:
    ws, results = ingested
    key = ws.secret_key()
    compared = 0
    for path, db in restored.items():
        manifest = results[path].manifest
        secrets = {(s.table, s.column): s.action for s in manifest.secrets}
        for table, entry in manifest.tables.items():
            names, rows = _fetch(mariadb, db, table)
            raw = pq.read_table(ws.vault / manifest.dataset_id / entry.file)
            expected_columns: dict[str, list[Any]] = {}
            for i, name in enumerate(names):
                values = [r[i] for r in rows]
                action = secrets.get((table, name))
                if action == "drop":
                    assert name not in raw.column_names
                    continue
                if action == "hmac":
                    values = keyed_hash(key, pa.array(
                        [v.decode() if isinstance(v, bytes) else v for v in values],
                        pa.string())).to_pylist()  # fmt: skip
                expected_columns[name] = values
            assert raw.column_names == list(expected_columns), (path, table)
            assert raw.num_rows == len(rows), (path, table)
            got = Counter(zip(*(raw.column(n).to_pylist() for n in expected_columns), strict=True))
            want = Counter(zip(*expected_columns.values(), strict=True))
            if got != want:
                missing = list((want - got).elements())[:3]
                extra = list((got - want).elements())[:3]
                pytest.fail(f"{path}:{table}: MariaDB has {missing}, ingest has {extra}")
            compared += raw.num_rows
    assert compared > 1000
