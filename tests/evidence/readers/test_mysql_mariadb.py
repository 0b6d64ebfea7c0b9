"""The reader against a real MariaDB: what it reads equals what the database holds."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from tests.evidence.readers.test_mysql import MYSQLDUMP, PHPMYADMIN, read

NASTY = (
    b"""
CREATE TABLE `nasty` (
  `id` int NOT NULL,
  `txt` text,
  `blob_all` blob,
  `fixed` binary(4) DEFAULT NULL,
  `code` char(5) DEFAULT NULL,
  `b` bit(10) DEFAULT NULL,
  `y` year DEFAULT NULL,
  `t` time DEFAULT NULL,
  `e` enum('x','y z') DEFAULT NULL,
  `s` set('a','b','c') DEFAULT NULL,
  `big` bigint unsigned DEFAULT NULL,
  `neg` bigint DEFAULT NULL,
  `d` decimal(20,6) DEFAULT NULL,
  `f` double DEFAULT NULL,
  `missing` varchar(10) NOT NULL DEFAULT 'dflt',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `nasty` (`id`,`txt`,`blob_all`,`fixed`,`code`,`b`,`y`,`t`,`e`,`s`,`big`,`neg`,`d`,`f`)
VALUES (1,'q''uo\\"te\\\\ ); -- x\\n\\r\\t\\Z\\0 \\% \\_ ',_binary '"""
    + bytes(range(256))
    .replace(b"\\", b"\\\\")
    .replace(b"'", b"\\'")
    .replace(b"\0", b"\\0")
    .replace(b"\x1a", b"\\Z")
    + """',0x0102,'ab   ',b'1010101010',2024,'12:34:56','y z','a,c',
18446744073709551615,-9223372036854775808,-12345678901234.123456,6.02e23),
(2,'日本語 😀 ñ',X'',_binary 'ab',NULL,0b1,1901,'-838:59:59','x','',0,-1,0.000001,-0.0),
(3,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
""".encode()
)


@pytest.fixture
def scratch(mariadb: dict[str, object]) -> Iterator[tuple[dict[str, object], str]]:
    name = f"intercop_test_{uuid.uuid4().hex[:10]}"
    connection = _connect(mariadb, None)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield mariadb, name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


def _connect(params: dict[str, object], database: str | None) -> Any:
    return pymysql.connect(
        host=str(params["host"]),
        port=int(str(params["port"])),
        user=str(params["user"]),
        database=database,
        charset="utf8mb4",
        autocommit=True,
    )


def _restore(params: dict[str, object], database: str, dump: Path) -> None:
    with dump.open("rb") as stdin:
        done = subprocess.run(
            [
                str(params["client"]),
                f"-h{params['host']}",
                f"-P{params['port']}",
                f"-u{params['user']}",
                database,
            ],
            stdin=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()


def _as_read(value: Any, sql_type: str) -> Any:
    """A value as pymysql returns it, in the form the raw layer keeps it."""
    if isinstance(value, str) and value.startswith("0000-00-00"):
        return None  # pymysql gives zero dates back as text; the reader stores NULL
    if sql_type.startswith("bit") and isinstance(value, bytes):
        return int.from_bytes(value, "big")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        seconds = abs(seconds)
        return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return value


@pytest.mark.service
def test_reader_equals_mariadb(scratch: tuple[dict[str, object], str], tmp_path: Path) -> None:
    params, database = scratch
    dump = MYSQLDUMP + PHPMYADMIN.replace(b"COMMIT;", b"") + NASTY
    path = tmp_path / "nasty.sql"
    path.write_bytes(dump)
    _restore(params, database, path)
    sink, quarantine, _ = read(dump, tmp_path, chunk_size=97)
    connection = _connect(params, database)
    try:
        for table in ("users", "accounts", "logins", "nasty"):
            schema = sink.schemas[table]
            types = {c.name: c.sql_type for c in schema.columns}
            key = schema.primary_key[0]
            with connection.cursor(pymysql.cursors.DictCursor) as cursor:
                cursor.execute(f"SELECT * FROM `{table}` ORDER BY `{key}`")
                expected = [
                    {k: _as_read(v, types[k]) for k, v in row.items()} for row in cursor.fetchall()
                ]
            got = sorted(sink.rows(table), key=lambda r: r[key])
            assert len(got) == len(expected), table
            for mine, theirs in zip(got, expected, strict=True):
                assert mine == theirs, table
    finally:
        connection.close()
    assert quarantine.by_reason == {"zero date stored as NULL": 2}
