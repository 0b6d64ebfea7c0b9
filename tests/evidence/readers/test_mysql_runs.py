"""Runs of one-row INSERTs: read as one statement, yet bad rows keep their own lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intercop.evidence.readers.mysql_values import FAST_TOKENIZE, Tokenized
from intercop.evidence.readers.mysql_values import tokenize as python_tokenize
from tests.evidence.readers.test_mysql import read

TOKENIZERS = {"python": python_tokenize, "fast": FAST_TOKENIZE}

# line 1 is the CREATE TABLE; the INSERT of id i is on line i + 1
BROKEN_RUN = b"""CREATE TABLE `t` (`id` int NOT NULL, `name` varchar(10), `n` int);
INSERT INTO `t` VALUES (1,'a',1);
INSERT INTO `t` VALUES (2,'b',2);
INSERT INTO `t` VALUES (3,'c');
INSERT INTO `t` VALUES (4,'d',4);
INSERT INTO `t` VALUES (5,CONCAT('e'),5);
INSERT INTO `t` VALUES (6,'f','six');
INSERT INTO `t` VALUES (7,'g',7) garbage;
INSERT INTO `t` VALUES (8,'h',8);
INSERT INTO `t` VALUES (9,'it''s;',9);
INSERT INTO `t` VALUES (10,'j',10);
"""


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
@pytest.mark.parametrize("chunk_size", [1, 5, 37, 1 << 20])
@pytest.mark.parametrize("batch_rows", [2, 1000])
def test_broken_statements_in_a_run(
    tmp_path: Path, tokenizer: str, chunk_size: int, batch_rows: int
) -> None:
    sink, quarantine, items = read(
        BROKEN_RUN,
        tmp_path,
        tokenizer=TOKENIZERS[tokenizer],
        chunk_size=chunk_size,
        batch_rows=batch_rows,
    )
    assert [r["id"] for r in sink.rows("t")] == [1, 2, 4, 7, 8, 9, 10]
    assert sink.rows("t")[5] == {"id": 9, "name": "it's;", "n": 9}
    assert sorted((i["line"], i["reason"].split(":")[0]) for i in items) == [
        (4, "2 values where 3 columns were expected"),
        (6, "expression is not a literal value"),
        (7, "column n"),
        (8, "statement does not parse"),
    ]
    assert next(i for i in items if i["line"] == 8)["raw"].startswith("garbage")
    assert quarantine.count == 4


ALTERNATING = b"""CREATE TABLE `a` (`id` int, `v` varchar(5));
CREATE TABLE `b` (`id` int, `w` int);
INSERT INTO `a` VALUES (1,'x');
INSERT INTO `b` VALUES (1,10);
INSERT INTO `a` VALUES (2,'y');
INSERT INTO `a` VALUES (3);
INSERT INTO `b` VALUES (2,20);
INSERT INTO `b` VALUES (3,NOW());
INSERT INTO `a` VALUES (4,'z');
INSERT INTO `b` VALUES (4,40);
"""


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
@pytest.mark.parametrize("chunk_size", [3, 1 << 20])
def test_alternating_tables(tmp_path: Path, tokenizer: str, chunk_size: int) -> None:
    sink, _, items = read(
        ALTERNATING, tmp_path, tokenizer=TOKENIZERS[tokenizer], chunk_size=chunk_size
    )
    assert sink.rows("a") == [{"id": 1, "v": "x"}, {"id": 2, "v": "y"}, {"id": 4, "v": "z"}]
    assert sink.rows("b") == [{"id": i, "w": 10 * i} for i in (1, 2, 4)]
    assert sorted((i["line"], i["table"]) for i in items) == [(6, "a"), (8, "b")]


COLUMN_LISTS = b"""CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT, `name` varchar(10),
  `plan` varchar(5) NOT NULL DEFAULT 'free', PRIMARY KEY (`id`));
INSERT INTO `t` (`name`, `id`) VALUES ('a', 1);
INSERT INTO `t` (`name`, `id`) VALUES ('b', 2);
INSERT INTO `t` VALUES (3,'c','vip');
INSERT INTO `t` VALUES (4,'d','vip');
INSERT INTO `t` (`name`) VALUES ('e');
INSERT INTO `t` (`name`) VALUES ('f');
INSERT INTO `t` (`id`, `name`, `plan`) VALUES (9,'g','gold');
INSERT INTO t VALUES (10,'h','x');
"""


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
def test_column_list_then_none(tmp_path: Path, tokenizer: str) -> None:
    sink, quarantine, _ = read(COLUMN_LISTS, tmp_path, tokenizer=TOKENIZERS[tokenizer])
    assert [(r["id"], r["name"], r["plan"]) for r in sink.rows("t")] == [
        (1, "a", "free"),
        (2, "b", "free"),
        (3, "c", "vip"),
        (4, "d", "vip"),
        (5, "e", "free"),
        (6, "f", "free"),
        (9, "g", "gold"),
        (10, "h", "x"),
    ]
    assert quarantine.count == 0


def test_a_run_costs_few_tokenizer_calls(tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(*args: Any) -> Tokenized:
        result: Tokenized = FAST_TOKENIZE(*args)
        calls.append(result[2])
        return result

    inserts = "".join(f"INSERT INTO `t` VALUES ({i},'u{i}');\r\n" for i in range(3000))
    dump = ("CREATE TABLE `t` (`id` int, `u` varchar(9));\n" + inserts).encode()
    sink, quarantine, _ = read(dump, tmp_path, tokenizer=counting, batch_rows=1000)
    assert [r["id"] for r in sink.rows("t")] == list(range(3000))
    assert [b.num_rows for b in sink.batches["t"]] == [1000, 1000, 1000]
    assert len(calls) <= 4
    assert quarantine.count == 0


def test_undeclared_run_is_counted(tmp_path: Path) -> None:
    dump = b"".join(b"INSERT INTO `ghost` VALUES (%d);\n" % i for i in range(50))
    _, quarantine, items = read(b"CREATE TABLE `t` (`a` int);\n" + dump, tmp_path)
    assert quarantine.count == 50
    assert items[0]["line"] == 2
    assert items[0]["table"] == "ghost"
