"""A birth-year column (``birth_year`` 2007) is a year: no epoch, no date, an identifier."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from intercop.evidence.detect_columns import Evidence, TableContext, column_role
from intercop.evidence.detect_names import Concept, column_concept, is_birth_year_name
from intercop.evidence.detect_values import profile
from intercop.evidence.mapping import ColumnRole, TableRole
from tests.evidence.test_canonical import TableSpec, build, rows, write_raw


def _users(year_column: str, kind: str, years: list[object]) -> dict[str, TableSpec]:
    base = datetime(2022, 3, 1)
    return {
        "users": (
            [("id", "int"), ("username", "str"), ("email", "str"), (year_column, kind),
             ("created_at", "dt")],
            [(i + 1, f"user{i}", f"user{i}@mail.example", y, base) for i, y in enumerate(years)],
            ("id",),
        )
    }  # fmt: skip


@pytest.mark.parametrize(
    "name",
    ["birth_year", "BirthYear", "geboortejaar", "ano_nascimento", "yob", "year_of_birth",
     "geboorte_jaar", "anoDeNascimento"],
)  # fmt: skip
def test_birth_year_names(name: str) -> None:
    assert is_birth_year_name(name)
    found = column_concept(name)
    assert found is not None and found[0] is Concept.BIRTH


@pytest.mark.parametrize("name", ["birthday", "dob", "year", "created_at", "jaar"])
def test_not_birth_year_names(name: str) -> None:
    assert not is_birth_year_name(name)


def _role(name: str, values: pa.Array) -> tuple[ColumnRole, str | None]:
    concept = column_concept(name)
    assert concept is not None
    e = Evidence(name, concept[0], concept[1], profile(values))
    cm = column_role(e, TableRole.USERS, TableContext(account_key="id"))
    return cm.role, cm.format


def test_year_values_make_a_year_column_not_an_epoch() -> None:
    years = pa.array([2007, 2009, None, 1995], pa.int16())
    assert _role("birth_year", years) == (ColumnRole.BIRTH_DATE, "year")
    # a birthday column holding only years is read as years as well
    assert _role("dob", years) == (ColumnRole.BIRTH_DATE, "year")
    assert _role("geboortejaar", pa.array(["2007", "2010"])) == (ColumnRole.BIRTH_DATE, "year")
    # named a year, with 0 for "not given": still years
    assert _role("yob", pa.array([0, 2007, 0, 0], pa.int32())) == (ColumnRole.BIRTH_DATE, "year")
    # a real epoch birthday stays an epoch, a date stays a date
    epochs = pa.array([1_100_000_000, 1_200_000_000], pa.int64())
    assert _role("dob", epochs) == (ColumnRole.BIRTH_DATE, "epoch_s")
    assert _role("birthday", pa.array(["2007-04-01"])) == (ColumnRole.BIRTH_DATE, "date")


@pytest.mark.parametrize(
    ("column", "kind", "values"),
    [("birth_year", "int", [2007, 1999, None, 0]),
     ("ano_nascimento", "str", ["2007", "1999", "", "unknown"])],
)  # fmt: skip
def test_birth_year_becomes_an_identifier_not_a_birth_date(
    tmp_path: Path, column: str, kind: str, values: list[object]
) -> None:
    raw = write_raw(tmp_path / "raw", _users(column, kind, values))
    mapping = raw.detect()
    cm = mapping.tables["users"].columns[column]
    assert (cm.role, cm.format) == (ColumnRole.BIRTH_DATE, "year")
    out = build(tmp_path, raw, mapping)
    accounts = rows(out / "accounts.parquet", sort=lambda r: r["account_key"])
    assert [a["birth_date"] for a in accounts] == [None] * 4  # never 1970-01-01
    years = {
        r["account_key"]: r["value"]
        for r in rows(out / "identifiers.parquet")
        if r["kind"] == "birth_year"
    }
    assert years == {"1": "2007", "2": "1999"}
