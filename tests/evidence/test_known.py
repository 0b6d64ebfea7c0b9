"""Built-in mappings of known software, mapping files (load errors with lines), dump, merge."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from intercop.errors import MappingError
from intercop.evidence.known import check, dump, load_file, match, merge
from intercop.evidence.mapping import ColumnMapping, ColumnRole, Mapping, TableMapping, TableRole
from intercop.evidence.schema import Column, TableSchema
from tests.evidence.test_canonical import booter_a, mybb, write_raw


def _schemas(tables: dict[str, list[str]]) -> dict[str, TableSchema]:
    return {
        name: TableSchema(name, tuple(Column(c, "int", pa.int64()) for c in cols))
        for name, cols in tables.items()
    }


def test_mybb_matches_with_any_prefix_and_only_present_columns() -> None:
    schemas = _schemas(
        {
            "forum_users": ["uid", "username", "password", "salt", "loginkey", "regip", "email"],
            "forum_posts": ["pid", "tid", "uid", "ipaddress", "dateline"],
            "forum_settings": ["sid", "name"],
        }
    )
    mapping = match(schemas)
    assert mapping is not None and mapping.software == "mybb-1.8"
    assert set(mapping.tables) == {"forum_users", "forum_posts"}
    users = mapping.tables["forum_users"]
    assert users.role is TableRole.USERS
    assert set(users.columns) == {
        "uid",
        "username",
        "password",
        "salt",
        "loginkey",
        "regip",
        "email",
    }
    assert (users.columns["regip"].role, users.columns["regip"].format) == (
        ColumnRole.IP,
        "ip_binary",
    )


def test_booter_panel_matches_and_unknown_layouts_do_not(tmp_path: Path) -> None:
    raw = write_raw(tmp_path, booter_a())
    mapping = match(raw.schemas)
    assert mapping is not None and mapping.software == "booter-panel-a"
    assert mapping.tables["attack_logs"].columns["target"].role is ColumnRole.TARGET
    assert match(_schemas({"users": ["id", "username"], "orders": ["id"]})) is None


def test_detect_mapping_uses_the_built_in_and_detects_the_rest(tmp_path: Path) -> None:
    tables = mybb()
    tables["mybb_shouts"] = ([("sid", "int"), ("uid", "int"), ("ip", "str")], [(1, 1, "x")], ())
    mapping = write_raw(tmp_path, tables).detect()
    assert mapping.software == "mybb-1.8"
    assert mapping.tables["mybb_users"].reason.startswith("mybb-1.8")
    assert mapping.tables["mybb_users"].columns["skype"].reason == "built-in mapping"
    assert "detected: mybb_shouts" in mapping.description


def test_load_file_reports_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "software: panel\n"
        "tables:\n"
        "  users:\n"
        "    role: users\n"
        "    columns:\n"
        "      id: {role: account_key}\n"
        "      mail: {role: e-mail}\n"
    )
    with pytest.raises(MappingError) as err:
        load_file(path)
    message = str(err.value)
    assert message.startswith("m.yaml: line 7: field tables.users.columns.mail.role:")


def test_load_file_reports_yaml_syntax_and_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("software: x\ntables:\n  users: [\n")
    with pytest.raises(MappingError, match=r"bad.yaml: line \d+: not valid YAML"):
        load_file(bad)
    extra = tmp_path / "extra.yaml"
    extra.write_text("software: x\ntables:\n  users:\n    role: users\n    colums: {}\n")
    with pytest.raises(MappingError, match=r"line 5: field tables.users.colums"):
        load_file(extra)
    with pytest.raises(MappingError, match=r"missing\.yaml"):
        load_file(tmp_path / "missing.yaml")


def test_dump_round_trips_with_reasons_as_comments(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw", booter_a())
    mapping = raw.detect("booter")
    text = dump(mapping)
    assert "# booter-panel-a: panel customers" in text
    path = tmp_path / "edit.yaml"
    path.write_text(text)
    loaded = load_file(path)
    assert loaded.software == mapping.software
    for name, table in mapping.tables.items():
        assert loaded.tables[name].role is table.role
        assert {c: (m.role, m.format) for c, m in loaded.tables[name].columns.items()} == {
            c: (m.role, m.format) for c, m in table.columns.items()
        }
    assert loaded.tables["users"].columns["id"].reason == "set in edit.yaml"


def test_merge_replaces_tables_one_by_one_and_check_names_the_missing() -> None:
    detected = Mapping(
        tables={
            "a": TableMapping(role=TableRole.USERS),
            "b": TableMapping(role=TableRole.OTHER),
        }
    )
    override = Mapping(
        software="mine",
        timezone="Europe/Lisbon",
        tables={
            "b": TableMapping(
                role=TableRole.LOGINS,
                columns={
                    "ip": ColumnMapping(role=ColumnRole.IP, format="ip_text"),
                },
            ),
        },
    )
    merged = merge(detected, override)
    assert merged.software == "mine" and merged.timezone == "Europe/Lisbon"
    assert merged.tables["a"].role is TableRole.USERS
    assert merged.tables["b"].role is TableRole.LOGINS
    with pytest.raises(MappingError, match="table 'b' has no column 'ip'"):
        check(merged, _schemas({"a": ["id"], "b": ["addr"]}), "m.yaml")
