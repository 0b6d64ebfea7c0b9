"""The CSV reader: dialects, headers, encodings, ragged rows with their line numbers."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import csvfile, detect
from intercop.evidence.readers.csvfile import CsvReader, unique_names
from intercop.evidence.source import Opened, fingerprint
from tests.evidence.readers.test_postgres import ListSink


def read(tmp_path: Path, name: str, data: bytes) -> tuple[ListSink, list[dict[str, object]]]:
    path = tmp_path / name
    path.write_bytes(data)
    member = Opened(f"seized.zip!{name}", fingerprint(path), lambda: path.open("rb"))
    sink = ListSink()
    q = Quarantine(tmp_path / "q.ndjson")
    CsvReader(batch_rows=2).read(member, sink, q)
    q.close()
    items = [json.loads(x) for x in q.path.read_text().splitlines()] if q.path.exists() else []
    return sink, items


NASTY = (
    "name,email,,name,note\r\n"
    'Jan,jan@example.nl,1,a,"multi\nline ""quoted"", with comma"\r\n'
    "ragged,only\r\n"
    '日本,🎉,3,c,"tab\there \\ back"\r\n'
    "\r\n"
    "Zoë,z@example.se,4,d,\r\n"
).encode()


def test_header_names_quotes_newlines_and_ragged_rows(tmp_path: Path) -> None:
    sink, items = read(tmp_path, "customers.csv", b"\xef\xbb\xbf" + NASTY)
    schema = sink.schemas["customers"]
    assert schema.column_names == ("name", "email", "col_3", "name_2", "note")
    assert {c.sql_type for c in schema.columns} == {"text"}
    rows = sink.table("customers").to_pylist()
    assert [r["name"] for r in rows] == ["Jan", "日本", "Zoë"]
    assert rows[0]["note"] == 'multi\nline "quoted", with comma'
    assert rows[1]["note"] == "tab\there \\ back"
    assert rows[2]["note"] == ""
    assert [(i["line"], i["raw"]) for i in items] == [(4, "ragged,only")]  # after a 2-line row


def test_cp1252_lines_are_repaired_and_reported(tmp_path: Path) -> None:
    sink, items = read(tmp_path, "m.csv", "id;name\n1;café\n2;ok\n".encode("cp1252"))
    assert sink.table("m").column("name").to_pylist() == ["café", "ok"]
    assert [(i["line"], i["reason"]) for i in items] == [
        (2, "repaired: not UTF-8, decoded as cp1252")
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = ["user,mail,city", "a b,a@x.nl,Den Haag", "c,c@y.fi,Oulu", "d,d@z.pt,Porto"]
    data = "\n".join(line.replace(",", delimiter) for line in lines) + "\n"
    sink, items = read(tmp_path, "t.txt", data.encode())
    assert sink.schemas["t"].column_names == ("user", "mail", "city")
    assert sink.table("t").column("city").to_pylist() == ["Den Haag", "Oulu", "Porto"]
    assert items == []


def test_without_header_columns_are_numbered(tmp_path: Path) -> None:
    sink, _ = read(tmp_path, "n.csv", b"1,jan@x.nl,2024-01-01\n2,piet@y.nl,2024-02-02\n")
    assert sink.schemas["n"].column_names == ("col_1", "col_2", "col_3")
    assert sink.table("n").num_rows == 2


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read(tmp_path, "e.csv", b"")


def test_unique_names() -> None:
    assert unique_names(["a", "a", " ", "a_2", "a"]) == ["a", "a_2", "col_3", "a_2_2", "a_3"]


def test_sniff() -> None:
    assert CsvReader.sniff(NASTY, "c.csv") >= 0.5
    assert CsvReader.sniff(b"a\tb\n1\t2\n3\t4\n", "export") >= 0.3
    assert CsvReader.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(300), "a.jpg") < 0.3
    assert CsvReader.sniff(b"", "a.csv") < 0.3
    assert CsvReader.sniff(random.Random(2).randbytes(4096), "x.csv") < 0.3
    assert CsvReader.sniff(b'[{"a": 1}]', "x.json") < 0.3


#: the Sniffer reads this as quotechar '"' without doublequote and without escapechar:
#: writing a row with a '"' back through that dialect raised "need to escape"
NO_ESCAPE = (
    b"customer_id,username,notes\n"
    b'1,"anna","ok"\n'
    b'2,"bert","fine"\n'
    b'3,"carl",""\n'
    b'4,O"Brien,said "hi",extra\n'
    b'5,"dora","x"\n'
)


def test_a_ragged_row_with_quotes_is_quarantined_as_written(tmp_path: Path) -> None:
    sink, items = read(tmp_path, "shadowmart_customers.csv", NO_ESCAPE)
    rows = sink.table("shadowmart_customers").to_pylist()
    assert [r["username"] for r in rows] == ["anna", "bert", "carl", "dora"]
    assert [(i["line"], i["raw"]) for i in items] == [(5, '4,O"Brien,said "hi",extra')]


def test_unreadable_rows_are_quarantined_with_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = "x" * 200
    saved = csv.field_size_limit()
    # a field beyond the csv module's limit makes csv.reader raise on that row
    monkeypatch.setattr(csvfile, "FIELD_LIMIT", 100)
    try:
        sink, items = read(tmp_path, "limits.csv", f'id,note\n1,"a"\n2,"{big}"\n3,"c"\n'.encode())
    finally:
        csv.field_size_limit(saved)
    assert sink.table("limits").column("id").to_pylist() == ["1", "3"]
    assert [(i["line"], i["raw"]) for i in items] == [(3, f'2,"{big}"')]
    assert "unreadable CSV row" in str(items[0]["reason"])


def test_a_csv_quoting_sql_in_a_field_is_read_as_csv(tmp_path: Path) -> None:
    # seen in synthetic seed 5: a notes column holding a dump's INSERT statement, and a
    # street over two lines, made the MySQL reader look more confident than the CSV one
    path = tmp_path / "shop_customers.csv"
    path.write_text(
        'id,street,notes\n1,"1 Main St\nApt 2","INSERT INTO `users` VALUES (1,\'x\');"\n'
        "2,2 High St,'); DROP TABLE users; --\n",
        encoding="utf-8",
    )
    member = Opened(path.name, fingerprint(path), lambda: path.open("rb"))
    assert detect(member) is CsvReader
