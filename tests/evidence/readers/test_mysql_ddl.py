"""CREATE TABLE / ALTER TABLE to TableSchema, and the type mapping."""

from __future__ import annotations

import pyarrow as pa
import pytest

from intercop.evidence.readers.mysql_ddl import (
    parse_alter_table,
    parse_create_table,
    with_keys,
)
from intercop.evidence.readers.mysql_values import K_BIT, K_NUM, K_STR
from intercop.evidence.schema import ForeignKey

MYBB = """/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE IF NOT EXISTS `forum`.`mybb_users` (
  `uid` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `username` varchar(120) NOT NULL DEFAULT '',
  `regip` varbinary(16) NOT NULL DEFAULT '',
  `birthday` varchar(15) NOT NULL DEFAULT '',
  `regdate` int(10) unsigned NOT NULL DEFAULT '0',
  `flag` tinyint(1) NOT NULL DEFAULT 0,
  `big` bigint(20) DEFAULT -5,
  `ubig` bigint unsigned,
  `small` smallint(6) unsigned zerofill,
  `medium` mediumint(9),
  `price` decimal(10,2) DEFAULT '1.50' COMMENT 'price, in EUR',
  `huge` decimal(50,10),
  `ratio` double DEFAULT NULL,
  `f` float(7,3),
  `born` date NOT NULL,
  `seen` datetime(6) DEFAULT NULL,
  `ts` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `t` time,
  `y` year(4),
  `bits` bit(3) DEFAULT b'101',
  `state` enum('active','banned') NOT NULL,
  `tags` set('a','b'),
  `doc` json,
  `note` mediumtext CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  `raw` blob,
  `code` char(2),
  `hash` binary(16),
  `bin_text` varchar(10) CHARACTER SET binary,
  `where` point,
  PRIMARY KEY (`uid`),
  UNIQUE KEY `username` (`username`(100)),
  KEY `regdate` (`regdate`, `flag`),
  CONSTRAINT `fk_x` FOREIGN KEY (`big`, `medium`) REFERENCES `other`.`t` (`a`, `b`)
    ON DELETE CASCADE
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COMMENT='users; (not a column)';"""

TYPES = {
    "uid": pa.uint32(),
    "username": pa.string(),
    "regip": pa.binary(),
    "regdate": pa.uint32(),
    "flag": pa.int8(),
    "big": pa.int64(),
    "ubig": pa.uint64(),
    "small": pa.uint16(),
    "medium": pa.int32(),
    "price": pa.decimal128(10, 2),
    "huge": pa.decimal256(50, 10),
    "ratio": pa.float64(),
    "f": pa.float64(),
    "born": pa.date32(),
    "seen": pa.timestamp("us"),
    "ts": pa.timestamp("us"),
    "t": pa.string(),
    "y": pa.int16(),
    "bits": pa.uint64(),
    "state": pa.string(),
    "tags": pa.string(),
    "doc": pa.string(),
    "note": pa.string(),
    "raw": pa.binary(),
    "code": pa.string(),
    "hash": pa.binary(),
    "bin_text": pa.binary(),
    "where": pa.binary(),
}


def test_columns_types_and_keys() -> None:
    table = parse_create_table(MYBB, source="forum.sql")
    schema = table.schema
    assert schema.name == "mybb_users"
    assert schema.source == "forum.sql"
    assert {c.name: c.arrow_type for c in schema.columns if c.name in TYPES} == TYPES
    assert schema.primary_key == ("uid",)
    assert schema.foreign_keys == (
        ForeignKey(columns=("big", "medium"), table="t", ref_columns=("a", "b")),
    )
    assert schema.column("uid").sql_type == "int(10) unsigned"
    assert schema.column("state").sql_type == "enum('active','banned')"
    assert schema.column("uid").nullable is False
    assert schema.column("born").nullable is True  # zero dates become NULL
    assert schema.arrow_schema().field("regip").metadata == {b"intercop.sql_type": b"varbinary(16)"}


def test_defaults() -> None:
    specs = {s.name: s for s in parse_create_table(MYBB).specs}
    assert specs["username"].default == (K_STR, b"")
    assert specs["big"].default == (K_NUM, b"-5")
    assert specs["price"].default == (K_STR, b"1.50")
    assert specs["bits"].default == (K_BIT, b"\x05")
    assert specs["state"].default == (K_STR, b"active")  # implicit: first member
    assert specs["state"].members == ("active", "banned")
    assert specs["ts"].default is None  # current_timestamp(): unknowable
    assert specs["uid"].auto_increment
    assert specs["ratio"].default == (0, b"")


def test_alter_table_adds_keys() -> None:
    table = parse_create_table("CREATE TABLE `posts` (`pid` int NOT NULL, `uid` int)")
    alter = parse_alter_table(
        "ALTER TABLE `posts`\n  ADD PRIMARY KEY (`pid`),\n  ADD KEY `uid` (`uid`),\n"
        "  ADD CONSTRAINT `posts_ibfk_1` FOREIGN KEY (`uid`) REFERENCES `users` (`id`);"
    )
    updated = with_keys(table, alter)
    assert updated.schema.primary_key == ("pid",)
    assert updated.schema.foreign_keys == (ForeignKey(("uid",), "users", ("id",)),)
    assert updated.schema.columns == table.schema.columns


def test_not_a_table() -> None:
    with pytest.raises(ValueError, match="column list"):
        parse_create_table("CREATE TABLE t2 LIKE t1")
