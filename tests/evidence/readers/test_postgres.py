"""The pg_dump reader: DDL types, COPY escaping, INSERT literals, keys, bad input."""

# ruff: noqa: E501 - the dump below is verbatim pg_dump output with long COPY lines

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers.postgres import PostgresReader
from intercop.evidence.schema import ForeignKey, TableSchema
from intercop.evidence.source import Opened, fingerprint

UTC = dt.UTC

DUMP = r"""--
-- PostgreSQL database dump
--
\restrict abc123

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$BEGIN NEW.seen := now(); RETURN NEW; END;$$;

CREATE TABLE public.users (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    "Bio" text,
    balance numeric(10,2),
    exact numeric,
    ratio real,
    ok boolean DEFAULT false,
    born date,
    seen timestamp without time zone,
    seen_tz timestamp with time zone,
    avatar bytea,
    tags text[],
    ip inet,
    big bigint
);

COPY public.users (id, name, "Bio", balance, exact, ratio, ok, born, seen, seen_tz, avatar, tags, ip, big) FROM stdin;
1	O'Brien; DROP TABLE--	tab\there\nnewline \\ back \303\251 \x41	12.30	3.14159265358979323846	0.5	t	2001-02-03	2024-01-02 03:04:05.123456	2024-01-02 03:04:05+05:30	\\x00ff5c0a	{a,"b c"}	10.0.0.1	9223372036854775807
2	日本語 🎉	\N	-1.50	NaN	NaN	f	0044-03-15 BC	1900-01-01 00:00:00	1969-12-31 23:59:59.999999+00	\\001\\134x	{}	::1	-1
3	\\N	\r\n	\N	\N	\N	\N	\N	\N	\N	\\x	\N	\N	\N
4	bad	x	not-a-number	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
\.

CREATE TABLE forum.posts (
    id bigint NOT NULL,
    user_id integer,
    body text
);

INSERT INTO forum.posts VALUES (1, 1, 'it''s; a test -- not a comment');
INSERT INTO forum.posts (id, user_id, body) VALUES (2, NULL, E'line\nbreak \\ \x41\303\251'), (3, 2, 'multi
line');
INSERT INTO forum.posts (id, user_id, body) VALUES (4, 1, '2024-01-01'::text);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY forum.posts
    ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

\unrestrict abc123
"""

LINE_OF_BAD = DUMP.splitlines().index("4\tbad\tx\tnot-a-number" + "\t\\N" * 10) + 1


class ListSink:
    """Collects declared schemas and written batches."""

    def __init__(self) -> None:
        self.schemas: dict[str, TableSchema] = {}
        self.batches: dict[str, list[pa.RecordBatch]] = {}
        self.declared: list[str] = []

    def declare(self, schema: TableSchema) -> None:
        self.schemas[schema.name] = schema
        self.declared.append(schema.name)
        self.batches.setdefault(schema.name, [])

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        assert batch.schema.equals(self.schemas[table].arrow_schema())
        self.batches[table].append(batch)

    def table(self, name: str) -> pa.Table:
        return pa.Table.from_batches(self.batches[name], self.schemas[name].arrow_schema())


def read(path: Path, tmp_path: Path, batch_rows: int = 65_536) -> tuple[ListSink, Quarantine]:
    member = Opened(name=path.name, source=fingerprint(path), open=lambda: path.open("rb"),
                    path=path)  # fmt: skip
    sink = ListSink()
    quarantine = Quarantine(tmp_path / "quarantine.ndjson")
    PostgresReader(batch_rows=batch_rows).read(member, sink, quarantine)
    quarantine.close()
    return sink, quarantine


def quarantined(q: Quarantine) -> list[dict[str, object]]:
    if not q.path.exists():
        return []
    return [json.loads(line) for line in q.path.read_text().splitlines()]


@pytest.fixture
def dump(tmp_path: Path) -> tuple[ListSink, Quarantine]:
    path = tmp_path / "panel.sql"
    path.write_text(DUMP, encoding="utf-8")
    return read(path, tmp_path, batch_rows=2)


def test_types_follow_the_ddl(dump: tuple[ListSink, Quarantine]) -> None:
    users = dump[0].schemas["users"]
    types = {c.name: c.arrow_type for c in users.columns}
    assert types == {
        "id": pa.int32(), "name": pa.string(), "Bio": pa.string(),
        "balance": pa.decimal128(10, 2), "exact": pa.string(), "ratio": pa.float32(),
        "ok": pa.bool_(), "born": pa.date32(), "seen": pa.timestamp("us"),
        "seen_tz": pa.timestamp("us", tz="UTC"), "avatar": pa.binary(), "tags": pa.string(),
        "ip": pa.string(), "big": pa.int64(),
    }  # fmt: skip
    assert users.column("name").sql_type == "character varying(255)"
    assert users.column("name").nullable is False


def test_copy_values_are_unescaped_exactly(dump: tuple[ListSink, Quarantine]) -> None:
    rows = dump[0].table("users").drop_columns(["born"]).to_pylist()  # 44 BC has no Python date
    assert [r["id"] for r in rows] == [1, 2, 3]
    first, second, third = rows
    assert first["name"] == "O'Brien; DROP TABLE--"
    assert first["Bio"] == "tab\there\nnewline \\ back é A"
    assert first["balance"] == Decimal("12.30")
    assert first["exact"] == "3.14159265358979323846"
    assert first["ok"] is True
    assert first["seen"] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert first["seen_tz"] == dt.datetime(2024, 1, 1, 21, 34, 5, tzinfo=UTC)
    assert first["avatar"] == b"\x00\xff\\\n"
    assert first["tags"] == '{a,"b c"}'
    assert first["big"] == 2**63 - 1
    assert second["name"] == "日本語 🎉"
    assert second["Bio"] is None
    assert second["exact"] == "NaN"
    assert second["seen_tz"] == dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert second["avatar"] == b"\x01\\x"
    assert third["name"] == "\\N"  # an escaped backslash-N is text, not NULL
    assert third["Bio"] == "\r\n"
    assert third["avatar"] == b""
    born = dump[0].table("users").column("born").cast(pa.int32()).to_pylist()
    assert born[:2] == [
        (dt.date(2001, 2, 3) - dt.date(1970, 1, 1)).days,
        -735160,
    ]  # as PG counts 44 BC


def test_bad_value_quarantines_the_row_with_its_line(dump: tuple[ListSink, Quarantine]) -> None:
    items = quarantined(dump[1])
    assert [(i["line"], i["table"], i["reason"]) for i in items] == [
        (LINE_OF_BAD, "users", "bad value")
    ]
    assert "not-a-number" in str(items[0]["raw"])


def test_insert_literals_and_schemas(dump: tuple[ListSink, Quarantine]) -> None:
    sink = dump[0]
    posts = sink.table("forum.posts").to_pylist()
    assert [p["body"] for p in posts] == [
        "it's; a test -- not a comment",
        "line\nbreak \\ Aé",
        "multi\nline",
        "2024-01-01",
    ]
    assert [p["user_id"] for p in posts] == [1, None, 2, 1]


def test_constraints_redeclare_with_keys(dump: tuple[ListSink, Quarantine]) -> None:
    sink = dump[0]
    assert sink.declared == ["users", "forum.posts", "users", "forum.posts"]
    assert sink.schemas["users"].primary_key == ("id",)
    assert sink.schemas["forum.posts"].foreign_keys == (ForeignKey(("user_id",), "users", ("id",)),)


def test_truncated_copy_block_keeps_rows_and_says_so(tmp_path: Path) -> None:
    cut = DUMP.index("3\t\\\\N")
    path = tmp_path / "cut.sql"
    path.write_text(DUMP[: cut + 12], encoding="utf-8")
    sink, q = read(path, tmp_path)
    assert sink.table("users").column("id").to_pylist() == [1, 2]
    reasons = [i["reason"] for i in quarantined(q)]
    assert reasons == ["truncated: COPY row cut off", "truncated: COPY block not ended by \\."]


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.sql"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read(path, tmp_path)


MYSQL_HEAD = b"""-- MySQL dump 10.13  Distrib 8.0.36
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `users` VALUES (1,'a\\'b');
"""


def test_sniff() -> None:
    assert PostgresReader.sniff(DUMP.encode(), "x.sql") >= 0.9
    assert PostgresReader.sniff(MYSQL_HEAD, "dump.sql") < 0.3
    assert PostgresReader.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(500), "a.jpg") < 0.3
    assert PostgresReader.sniff(b"", "empty.sql") < 0.3
    noise = random.Random(1).randbytes(4096)
    assert PostgresReader.sniff(noise, "blob.bin") < 0.3


@pytest.mark.service
def test_pg_dump_of_a_real_server_reads_back_equal(tmp_path: Path, postgres: list[str]) -> None:
    """Build a table in PostgreSQL, pg_dump it both ways, compare with what the server holds."""
    psql, pg_dump, conn = shutil.which("psql"), shutil.which("pg_dump"), postgres
    schema = f"intercop_t{os.getpid()}"

    def sql(command: str) -> str:
        run = subprocess.run([str(psql), *conn, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", command],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        if run.returncode != 0:
            pytest.fail(f"psql failed: {run.stderr.strip()[:300]}")
        return run.stdout

    sql(f"CREATE SCHEMA {schema}")
    try:
        sql(f"""CREATE TABLE {schema}.users (id serial PRIMARY KEY, name text, note varchar(50),
                amount numeric(12,3), ok boolean, at timestamptz, pic bytea, born date);
            INSERT INTO {schema}.users (name, note, amount, ok, at, pic, born)
            SELECT 'u' || g || E' \\t\\\\ ''q'' 日本 🎉' || chr(10) || 'x',
                   CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END, g * 1.125 - 50,
                   g % 2 = 0, timestamptz '2020-03-01 12:00+02' + g * interval '7 hours 3 s',
                   decode(md5(g::text), 'hex') || '\\x00'::bytea, date '1990-01-01' + g
            FROM generate_series(1, 500) g""")  # fmt: skip
        expected = sql(
            f"SELECT id, name, note, amount, ok, (extract(epoch FROM at) * 1000000)::bigint, "
            f"encode(pic, 'hex'), born - date '1970-01-01' FROM {schema}.users ORDER BY id"
        )
        for flag in ([], ["--inserts"]):
            path = tmp_path / f"dump{len(flag)}.sql"
            subprocess.run([str(pg_dump), *conn, "-n", schema, "-f", str(path), *flag],
                           check=True, timeout=60)  # fmt: skip
            sink, q = read(path, tmp_path)
            assert q.count == 0
            t = sink.table(f"{schema}.users").sort_by("id")
            got = []
            for r in t.to_pylist():
                epoch = int(r["at"].timestamp()) * 1_000_000 + r["at"].microsecond
                fields = [r["id"], r["name"], r["note"], r["amount"], "t" if r["ok"] else "f",
                          epoch, r["pic"].hex(), (r["born"] - dt.date(1970, 1, 1)).days]  # fmt: skip
                got.append("|".join("" if v is None else str(v) for v in fields))
            # psql -A prints one row per line; names hold a newline, so compare whole text
            assert "\n".join(got) + "\n" == expected
            assert sink.schemas[f"{schema}.users"].primary_key == ("id",)
    finally:
        sql(f"DROP SCHEMA {schema} CASCADE")
