"""Reading imported outcome tables: each problem names the file, column and line."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercop.evaluation.errors import OutcomeTableError
from intercop.evaluation.outcome_table import read_outcome_table


def write(tmp_path: Path, text: str, name: str = "justice.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_numeric_event_and_duration(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,reoffended,warned\n10,1,true\n20.5,0,no\n"))
    assert list(table.duration("days")) == [10.0, 20.5]
    assert list(table.event("reoffended")) == [1, 0]
    assert list(table.numeric("warned")) == [1.0, 0.0]


def test_semicolon_csv(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days;event\n3;1\n4;0\n"))
    assert list(table.event("event")) == [1, 0]


def test_unknown_column(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,event\n1,0\n"))
    with pytest.raises(
        OutcomeTableError, match=r"justice.csv: no column 'age'; the columns are: days, event"
    ):
        table.require(["age"])


def test_non_numeric_names_the_line(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,age\n1,20\n2,twenty\n3,x\n"))
    with pytest.raises(
        OutcomeTableError, match=r"justice.csv:3: column 'age' is not numeric: 'twenty' \(2 such"
    ):
        table.numeric("age")


def test_missing_values_are_counted_with_their_lines(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,age\n1,20\n2,\n3,NA\n4,30\n"))
    with pytest.raises(
        OutcomeTableError,
        match=r"justice.csv:3: column 'age' has 2 missing value\(s\), at line 3, 4",
    ):
        table.numeric("age")


def test_event_must_be_zero_or_one(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,event\n1,0\n2,2\n"))
    with pytest.raises(OutcomeTableError, match=r"justice.csv:3: column 'event' must be 0 or 1"):
        table.event("event")


def test_negative_duration(tmp_path: Path) -> None:
    table = read_outcome_table(write(tmp_path, "days,event\n-1,0\n"))
    with pytest.raises(OutcomeTableError, match=r"justice.csv:2: column 'days' holds a negative"):
        table.duration("days")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("days,event\n", "no data rows"),
        ("days,event\n1,0,5\n", "justice.csv:2: 3 cells where the header has 2"),
    ],
)
def test_empty_or_ragged(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(OutcomeTableError, match=message):
        read_outcome_table(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OutcomeTableError, match=r"nope\.csv: no such file"):
        read_outcome_table(tmp_path / "nope.csv")


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"days": [1.0, 2.0, None], "event": [True, False, True]}), path)
    table = read_outcome_table(path)
    assert list(table.event("event")) == [1, 0, 1]
    with pytest.raises(
        OutcomeTableError, match=r"t.parquet:3: column 'days' has 1 missing value\(s\), at row 3"
    ):
        table.duration("days")
