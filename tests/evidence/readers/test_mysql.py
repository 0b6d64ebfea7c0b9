"""The MySQL dump reader: styles, types, bad input, chunk boundaries, batches."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import get
from intercop.evidence.readers.mysql import MySQLDumpReader
from intercop.evidence.readers.mysql_values import tokenize as python_tokenize
from intercop.evidence.schema import ForeignKey, TableSchema
from intercop.evidence.source import Opened, SourceFile


class MemorySink:
    """Keeps what a reader declares and writes, checking the contract."""

    def __init__(self) -> None:
        self.schemas: dict[str, TableSchema] = {}
        self.declarations: list[str] = []
        self.batches: dict[str, list[pa.RecordBatch]] = {}

    def declare(self, schema: TableSchema) -> None:
        old = self.schemas.get(schema.name)
        assert old is None or old.columns == schema.columns
        self.schemas[schema.name] = schema
        self.declarations.append(schema.name)
        self.batches.setdefault(schema.name, [])

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        assert batch.schema.equals(self.schemas[table].arrow_schema(), check_metadata=True)
        self.batches[table].append(batch)

    def rows(self, table: str) -> list[dict[str, Any]]:
        schema = self.schemas[table].arrow_schema()
        rows: list[dict[str, Any]] = pa.Table.from_batches(
            self.batches[table], schema=schema
        ).to_pylist()
        return rows


def read(
    data: bytes, tmp_path: Path, **options: Any
) -> tuple[MemorySink, Quarantine, list[dict[str, Any]]]:
    source = SourceFile(name="seized.sql", path=tmp_path / "seized.sql", size=len(data), sha256="")
    member = Opened(name="seized.sql", source=source, open=lambda: io.BytesIO(data))
    sink = MemorySink()
    quarantine = Quarantine(tmp_path / "quarantine.ndjson")
    MySQLDumpReader(**options).read(member, sink, quarantine)
    quarantine.close()
    items = []
    if quarantine.path.exists():
        items = [json.loads(line) for line in quarantine.path.read_text().splitlines()]
    quarantine.path.unlink(missing_ok=True)
    return sink, quarantine, items


MYSQLDUMP = (
    """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: booter
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
# a hash comment; with a semicolon
DROP TABLE IF EXISTS `users`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE `users` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `username` varchar(64) NOT NULL,
  `regip` varbinary(16) DEFAULT NULL,
  `balance` decimal(10,2) DEFAULT '0.00',
  `registered` datetime DEFAULT NULL,
  `born` date DEFAULT NULL,
  `expire` int(11) NOT NULL DEFAULT 0,
  `score` double DEFAULT NULL,
  `flags` bit(8) DEFAULT NULL,
  `admin` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;
LOCK TABLES `users` WRITE;
/*!40000 ALTER TABLE `users` DISABLE KEYS */;
INSERT INTO `users` VALUES """
    + """(1,'o\\'brien\\\\ \\"x\\" ); -- not a comment',0x7F000001,12.50,'2020-01-02 03:04:05',"""
    + """'2008-02-29',1700000000,-1.5e3,b'101',1),"""
    + """(2,'ユーザー😀',_binary '\\0\\Z\\n\\'',-0.01,'2021-06-30 23:59:59.123456',NULL,0,"""
    + """2.5E-3,NULL,2),"""
    + """(3,'line1\\nline2\\ttab',X'20010DB8000000000000000000000001',NULL,"""
    + """'0000-00-00 00:00:00','0000-00-00',-1,NULL,0x0F,-1);
/*!40000 ALTER TABLE `users` ENABLE KEYS */;
UNLOCK TABLES;
"""
).encode()

USERS = [
    {
        "id": 1,
        "username": 'o\'brien\\ "x" ); -- not a comment',
        "regip": b"\x7f\x00\x00\x01",
        "balance": Decimal("12.50"),
        "registered": dt.datetime(2020, 1, 2, 3, 4, 5),
        "born": dt.date(2008, 2, 29),
        "expire": 1700000000,
        "score": -1500.0,
        "flags": 5,
        "admin": 1,
    },
    {
        "id": 2,
        "username": "ユーザー😀",
        "regip": b"\0\x1a\n'",
        "balance": Decimal("-0.01"),
        "registered": dt.datetime(2021, 6, 30, 23, 59, 59),  # datetime(0) truncates
        "born": None,
        "expire": 0,
        "score": 0.0025,
        "flags": None,
        "admin": 2,
    },
    {
        "id": 3,
        "username": "line1\nline2\ttab",
        "regip": bytes.fromhex("20010DB8000000000000000000000001"),
        "balance": None,
        "registered": None,
        "born": None,
        "expire": -1,
        "score": None,
        "flags": 15,
        "admin": -1,
    },
]


@pytest.mark.parametrize("threaded", [True, False])
def test_mysqldump(tmp_path: Path, threaded: bool) -> None:
    sink, quarantine, items = read(MYSQLDUMP, tmp_path, threaded=threaded)
    assert sink.rows("users") == USERS
    schema = sink.schemas["users"]
    assert schema.primary_key == ("id",)
    assert schema.column("regip").arrow_type == pa.binary()
    assert quarantine.by_reason == {"zero date stored as NULL": 2}
    assert {item["line"] for item in items} == {27}


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1000])
def test_chunk_boundaries(tmp_path: Path, chunk_size: int) -> None:
    sink, quarantine, _ = read(MYSQLDUMP, tmp_path, chunk_size=chunk_size, batch_rows=2)
    assert sink.rows("users") == USERS
    assert [b.num_rows for b in sink.batches["users"]] == [2, 1]
    assert quarantine.count == 2


def test_pure_python_tokenizer_gives_the_same(tmp_path: Path) -> None:
    sink, _, _ = read(MYSQLDUMP, tmp_path, tokenizer=python_tokenize, chunk_size=5)
    assert sink.rows("users") == USERS


PHPMYADMIN = b"""-- phpMyAdmin SQL Dump
-- version 5.2.1
SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
START TRANSACTION;
SET time_zone = "+00:00";
/*!40101 SET NAMES utf8mb4 */;

CREATE TABLE `accounts` (
  `id` int(11) NOT NULL,
  `email` varchar(255) NOT NULL,
  `plan` enum('free','vip') NOT NULL,
  `credits` int(11) NOT NULL DEFAULT 10,
  `note` text DEFAULT NULL,
  `code` char(4) DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `accounts` (`id`, `email`, `plan`, `credits`, `note`, `code`) VALUES
(1, 'a@example.org', 'vip', 5, 'first', 'ab  '),
(2, 'b@example.org', 'free', 7, NULL, NULL);
INSERT IGNORE INTO `accounts` (`email`, `id`) VALUES ('c@example.org', 3);
REPLACE INTO accounts (id,email,plan,credits,note,code) VALUES (4,'d@example.org','vip',1,'x','y');
INSERT INTO `accounts` VALUES (5,'e@example.org','free',DEFAULT,'z','q');

CREATE TABLE `logins` (
  `id` int(11) NOT NULL,
  `account` int(11) NOT NULL,
  `ip` varchar(45) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

ALTER TABLE `accounts`
  ADD PRIMARY KEY (`id`);
ALTER TABLE `logins`
  ADD PRIMARY KEY (`id`),
  ADD KEY `account` (`account`);
ALTER TABLE `logins`
  ADD CONSTRAINT `logins_ibfk_1` FOREIGN KEY (`account`) REFERENCES `accounts` (`id`);
COMMIT;
"""


def test_phpmyadmin(tmp_path: Path) -> None:
    sink, quarantine, _ = read(PHPMYADMIN, tmp_path)
    assert sink.rows("accounts") == [
        {"id": 1, "email": "a@example.org", "plan": "vip", "credits": 5, "note": "first",
         "code": "ab"},
        {"id": 2, "email": "b@example.org", "plan": "free", "credits": 7, "note": None,
         "code": None},
        # omitted columns: the enum's first member, the DDL default, NULL
        {"id": 3, "email": "c@example.org", "plan": "free", "credits": 10, "note": None,
         "code": None},
        {"id": 4, "email": "d@example.org", "plan": "vip", "credits": 1, "note": "x",
         "code": "y"},
        {"id": 5, "email": "e@example.org", "plan": "free", "credits": 10, "note": "z",
         "code": "q"},
    ]  # fmt: skip
    assert sink.schemas["accounts"].primary_key == ("id",)
    assert sink.schemas["logins"].primary_key == ("id",)
    assert sink.schemas["logins"].foreign_keys == (ForeignKey(("account",), "accounts", ("id",)),)
    assert sink.rows("logins") == []  # declared although empty
    assert sink.declarations.count("accounts") == 2  # again when the key came
    assert quarantine.count == 0


def test_auto_increment_for_omitted_ids(tmp_path: Path) -> None:
    dump = b"""CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT, `v` varchar(5),
      PRIMARY KEY (`id`));
    INSERT INTO `t` VALUES (10,'a');
    INSERT INTO `t` (`v`) VALUES ('b'),('c');"""
    sink, _, _ = read(dump, tmp_path)
    assert [r["id"] for r in sink.rows("t")] == [10, 11, 12]


def test_bad_input_is_quarantined_with_lines(tmp_path: Path) -> None:
    dump = b"""-- MySQL dump
CREATE TABLE `t` (`id` int NOT NULL, `name` varchar(10));
INSERT INTO `t` VALUES (1,'a'),(2),(3,'c'),(4,'d',5);
INSERT INTO `ghost` VALUES (1,'x'),
(2,'y');
THIS IS NOT SQL 'at all';
INSERT INTO `t` VALUES (5,'e')
  ON DUPLICATE KEY UPDATE name='e';
INSERT INTO `t` VALUES (6,CONCAT('f','g')),(7,'h');
INSERT INTO `t` VALUES (8,'i'),(9,'j'),(10,'cut off"""
    sink, quarantine, items = read(dump, tmp_path)
    assert [r["id"] for r in sink.rows("t")] == [1, 3, 5, 7, 8, 9]
    seen = {(i["reason"], i["line"], i["table"]) for i in items}
    assert seen == {
        ("1 values where 2 columns were expected", 3, "t"),
        ("3 values where 2 columns were expected", 3, "t"),
        ("undeclared table", 4, "ghost"),
        ("expression is not a literal value", 9, "t"),
        ("truncated", 10, "t"),
    }
    assert quarantine.by_reason["undeclared table"] == 2
    assert quarantine.count == 6
    assert all(i["source"] == "seized.sql" for i in items)
    truncated = next(i for i in items if i["reason"] == "truncated")
    assert "(10,'cut off" in truncated["raw"]


def test_statement_that_does_not_parse(tmp_path: Path) -> None:
    dump = b"""CREATE TABLE `t` (`id` int);
INSERT INTO `t` VALUES (1);
CREATE TABLE broken (;
INSERT INTO `t` SELECT 1;
INSERT INTO `t` VALUES (2);"""
    sink, _, items = read(dump, tmp_path)
    assert [r["id"] for r in sink.rows("t")] == [1, 2]
    assert [(i["line"], i["reason"].split(":")[0]) for i in items] == [
        (3, "statement does not parse"),
        (4, "statement does not parse"),
    ]


def test_truncated_inside_ddl(tmp_path: Path) -> None:
    dump = b"CREATE TABLE `t` (`id` int);\nINSERT INTO `t` VALUES (1);\nCREATE TABLE `u` (`a"
    sink, _, items = read(dump, tmp_path)
    assert sink.rows("t") == [{"id": 1}]
    assert [(i["line"], i["reason"]) for i in items] == [(3, "truncated")]


def test_latin1_in_utf8_dump_is_repaired_and_counted(tmp_path: Path) -> None:
    dump = (
        b"/*!40101 SET NAMES utf8mb4 */;\n"
        b"CREATE TABLE `t` (`id` int, `name` varchar(20), `raw` blob);\n"
        b"INSERT INTO `t` VALUES (1,'caf\xe9 \x80 \x81','\xe9\xff'),(2,'ok \xc3\xa9','x');"
    )
    sink, quarantine, items = read(dump, tmp_path)
    assert sink.rows("t") == [
        {"id": 1, "name": "café € \x81", "raw": b"\xe9\xff"},
        {"id": 2, "name": "ok é", "raw": b"x"},
    ]
    assert quarantine.count == 1
    assert items[0]["reason"].startswith("repaired:")
    assert items[0]["line"] == 3


def test_latin1_dump_is_decoded_without_repair(tmp_path: Path) -> None:
    dump = (
        b"SET NAMES latin1;\nCREATE TABLE `t` (`name` varchar(20));\n"
        b"INSERT INTO `t` VALUES ('caf\xe9');"
    )
    sink, quarantine, _ = read(dump, tmp_path)
    assert sink.rows("t") == [{"name": "café"}]
    assert quarantine.count == 0


def test_conditional_comments_triggers_and_views(tmp_path: Path) -> None:
    dump = b"""/*!40101 SET NAMES utf8 */;
/*!50001 CREATE TABLE `v_users` (
  `id` tinyint NOT NULL
) ENGINE=MyISAM */;
/*!50001 CREATE TABLE `real_one` (`id` int) */;
INSERT INTO `real_one` VALUES (1);
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `trg` BEFORE INSERT
 ON `real_one` FOR EACH ROW BEGIN SET NEW.id = 1; INSERT INTO x VALUES (1); END */;;
DELIMITER ;
/*!50001 DROP TABLE IF EXISTS `v_users`*/;
/*!50001 DROP VIEW IF EXISTS `v_users`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50001 VIEW `v_users` AS select 1 AS `id` */;
INSERT INTO `real_one` VALUES (2);"""
    sink, quarantine, _ = read(dump, tmp_path)
    assert set(sink.schemas) == {"real_one"}
    assert sink.rows("real_one") == [{"id": 1}, {"id": 2}]
    assert quarantine.count == 0


def test_several_statements_per_line_and_comments(tmp_path: Path) -> None:
    dump = (
        b"CREATE TABLE t (a int, b varchar(9)); /* c; */ INSERT INTO t VALUES (1,'x');"
        b" -- trailing; comment\nINSERT INTO t VALUES (2,'/*'),(3,'--');# end"
    )
    sink, _, _ = read(dump, tmp_path)
    assert sink.rows("t") == [{"a": 1, "b": "x"}, {"a": 2, "b": "/*"}, {"a": 3, "b": "--"}]


def test_big_statement_streams_in_small_chunks(tmp_path: Path) -> None:
    rows = ",\n".join(f"({i}, 'user{i}', '2020-01-01 00:00:{i % 60:02d}')" for i in range(5000))
    dump = (
        "CREATE TABLE `l` (`id` int, `u` varchar(20), `at` datetime);\n"
        f"INSERT INTO `l` (`id`, `u`, `at`) VALUES\n{rows};\n"
    ).encode()
    sink, quarantine, _ = read(dump, tmp_path, chunk_size=4096, batch_rows=1000)
    out = sink.rows("l")
    assert len(out) == 5000
    assert out[4999] == {"id": 4999, "u": "user4999", "at": dt.datetime(2020, 1, 1, 0, 0, 19)}
    assert all(b.num_rows == 1000 for b in sink.batches["l"])
    assert quarantine.count == 0


def test_value_the_type_cannot_hold(tmp_path: Path) -> None:
    dump = (
        b"CREATE TABLE t (a tinyint, b int unsigned);\n"
        b"INSERT INTO t VALUES (1,2),(300,1),(2,-1),(3,'7.5');"
    )
    sink, quarantine, items = read(dump, tmp_path)
    assert sink.rows("t") == [{"a": 1, "b": 2}, {"a": 3, "b": 8}]
    assert quarantine.count == 2
    assert {i["line"] for i in items} == {2}


def test_not_sql_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"seized\.sql:1"):
        read(b"-- only a comment\n", tmp_path)


@pytest.mark.parametrize(
    ("head", "low", "high"),
    [
        (MYSQLDUMP[:2000], 0.9, 1.0),
        (PHPMYADMIN[:2000], 0.9, 1.0),
        (b"CREATE TABLE `x` (`a` int);\nINSERT INTO `x` VALUES (1);", 0.6, 0.95),
        (b"--\n-- PostgreSQL database dump\nSET search_path = public;\n"
         b"COPY public.users (id) FROM stdin;\n1\n\\.\n", 0.0, 0.1),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" * 20, 0.0, 0.05),
        (b"name,email\nalice,a@example.org\n", 0.0, 0.05),
        # SQL quoted inside a CSV field (an injection attempt in a shop's notes column)
        (b"id,street,notes\n1,\"1 Main St\nApt 2\",\"INSERT INTO `users` VALUES (1);\"\n"
         b"2,x,'); DROP TABLE users; --\n", 0.0, 0.05),
    ],
)  # fmt: skip
def test_sniff(head: bytes, low: float, high: float) -> None:
    assert low <= MySQLDumpReader.sniff(head, "dump.sql" if low else "x.bin") <= high


def test_registered() -> None:
    assert get("mysql") is MySQLDumpReader
