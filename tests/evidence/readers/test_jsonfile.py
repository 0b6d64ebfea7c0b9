"""The JSON reader: arrays, objects of arrays, NDJSON, types and bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import jsonfile
from intercop.evidence.readers.jsonfile import MIXED, JsonReader
from intercop.evidence.source import Opened, fingerprint
from tests.evidence.readers.test_postgres import ListSink


def read(tmp_path: Path, name: str, data: bytes) -> tuple[ListSink, Quarantine, list[dict]]:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_bytes(data)
    member = Opened(name, fingerprint(path), lambda: path.open("rb"), path)
    sink = ListSink()
    q = Quarantine(tmp_path / "q.ndjson")
    JsonReader(batch_rows=2).read(member, sink, q)
    q.close()
    items = [json.loads(x) for x in q.path.read_text().splitlines()] if q.path.exists() else []
    return sink, q, items


NDJSON = b"\n".join(
    [
        b'{"id": 1, "name": "a\\"b\\n\\t\\\\", "tags": ["x"], "ok": true, "score": 1}',
        b"",
        '{"id": 2, "name": "日本 🎉", "addr": {"cc": "NL"}, "ok": false, "score": 2.5}'.encode(),
        b"{bad line",
        b"[1, 2]",
        b'{"id": 3, "name": null, "big": 99999999999999999999}',
        b'{"id": 4, "name": "d", "mixed": 5}',
        b'{"id": 5, "mixed": "five"}',
    ]
)


def test_ndjson_types_nested_and_bad_lines(tmp_path: Path) -> None:
    sink, q, items = read(tmp_path, "events.ndjson", NDJSON + b"\n")
    schema = sink.schemas["events"]
    assert {c.name: c.arrow_type for c in schema.columns} == {
        "id": pa.int64(), "name": pa.string(), "tags": pa.string(), "ok": pa.bool_(),
        "score": pa.float64(), "addr": pa.string(), "big": pa.string(), "mixed": pa.string(),
    }  # fmt: skip
    rows = sink.table("events").to_pylist()
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["name"] == 'a"b\n\t\\'
    assert rows[0]["tags"] == '["x"]'
    assert rows[1]["addr"] == '{"cc":"NL"}'
    assert rows[2]["big"] == "99999999999999999999"
    assert [r["mixed"] for r in rows] == [None, None, None, "5", "five"]
    bad = [(i["line"], i["reason"]) for i in items if i["line"] is not None]
    assert bad == [(4, "invalid JSON"), (5, "not a JSON object")]
    assert q.by_reason[MIXED] == 1


def test_object_of_arrays_is_a_table_per_key(tmp_path: Path) -> None:
    doc = {"exported": "2024-05-01", "users": [{"id": 1, "e": None}, {"id": 2, "e": "x@y"}, 7],
           "posts": [{"id": 1, "body": "hi"}]}  # fmt: skip
    sink, _, items = read(tmp_path, "dump.json", json.dumps(doc).encode())
    assert sink.table("users").to_pylist() == [{"id": 1, "e": None}, {"id": 2, "e": "x@y"}]
    assert sink.table("posts").num_rows == 1
    assert sink.table("dump").to_pylist() == [{"exported": "2024-05-01"}]
    assert [i["reason"] for i in items] == ["not a JSON object"]


def test_array_and_phpmyadmin_export(tmp_path: Path) -> None:
    sink, _, _ = read(tmp_path, "users.json", b'\xef\xbb\xbf[{"a": 1.5}, {"a": 2}]')
    assert sink.table("users").column("a").to_pylist() == [1.5, 2.0]
    export = [{"type": "header", "version": "5.2"}, {"type": "database", "name": "booter"},
              {"type": "table", "name": "logins", "database": "booter",
               "data": [{"id": "1", "ip": "10.0.0.1"}]}]  # fmt: skip
    sink, _, _ = read(tmp_path, "booter.json", json.dumps(export).encode())
    assert list(sink.schemas) == ["logins"]
    assert sink.table("logins").to_pylist() == [{"id": "1", "ip": "10.0.0.1"}]


def test_bad_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="empty"):
        read(tmp_path, "e.json", b"  \n")
    with pytest.raises(InputError) as err:
        read(tmp_path, "broken.json", b'[\n{"a": 1},\n{"a": }\n]')
    assert err.value.line == 3
    monkeypatch.setattr(jsonfile, "MAX_DOCUMENT", 10)
    with pytest.raises(InputError, match="NDJSON"):
        read(tmp_path, "big.json", b'[{"a": 1}, {"a": 2}]')


def test_sniff() -> None:
    assert JsonReader.sniff(NDJSON, "x.ndjson") >= 0.9
    assert JsonReader.sniff(b'[{"a": 1}]', "x.json") >= 0.8
    assert JsonReader.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a.jpg") < 0.3
    assert JsonReader.sniff(b"", "a.json") < 0.3
    assert JsonReader.sniff(b"id,name\n1,a\n", "a.csv") < 0.3
    assert JsonReader.sniff(b"-- PostgreSQL database dump\n", "a.sql") < 0.3
