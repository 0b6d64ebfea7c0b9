"""Reading an imported outcome table (CSV, TSV or Parquet) and checking the columns asked for.

Columns are chosen by name. Every problem names the file, the column and the line
(CSV: the line in the file, the header being line 1; Parquet: the row, 1-based), so
that a justice department's export can be fixed where it is wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from intercop.evaluation.errors import OutcomeTableError

#: cell texts read as "no value"
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f"})
_SHOWN = 5  # how many offending lines an error lists


@dataclass(frozen=True)
class OutcomeTable:
    """The text cells of a table, with where each row came from."""

    path: Path
    frame: pd.DataFrame  # every column as text (None where missing)
    first_line: int  # the line (CSV) or row (Parquet) of the first data row
    unit: str  # "line" or "row"

    def where(self, index: int) -> int:
        """The line or row number of data row ``index`` (0-based)."""
        return self.first_line + index

    def require(self, columns: Sequence[str]) -> None:
        """Raise naming the first of ``columns`` the table does not have."""
        for column in columns:
            if column not in self.frame.columns:
                known = ", ".join(str(c) for c in self.frame.columns)
                raise OutcomeTableError(
                    f"no column {column!r}; the columns are: {known}", path=self.path
                )

    def _present(self, column: str) -> pd.Series:
        self.require([column])
        cells = self.frame[column]
        missing = [i for i, v in enumerate(cells) if v is None or str(v).strip().lower() in MISSING]
        if missing:
            lines = ", ".join(str(self.where(i)) for i in missing[:_SHOWN])
            more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
            raise OutcomeTableError(
                f"column {column!r} has {len(missing)} missing value(s), at {self.unit} "
                f"{lines}{more}",
                path=self.path,
                line=self.where(missing[0]),
                hint="Fill them in or drop those rows; a model cannot guess them",
            )
        return cells.astype(str).str.strip()

    def numeric(self, column: str) -> pd.Series:
        """The column as floats; raises on a missing or non-numeric cell."""
        cells = self._present(column)
        lowered = cells.str.lower()
        values = pd.to_numeric(
            cells.where(~lowered.isin(_TRUE | _FALSE), lowered.isin(_TRUE).astype(int).astype(str)),
            errors="coerce",
        )
        bad = [i for i, v in enumerate(values) if pd.isna(v) or v in (float("inf"), -float("inf"))]
        if bad:
            raise OutcomeTableError(
                f"column {column!r} is not numeric: {cells.iloc[bad[0]]!r} "
                f"({len(bad)} such value(s))",
                path=self.path,
                line=self.where(bad[0]),
                hint="Use numbers (or 0/1, true/false) in that column, or choose another",
            )
        return values.astype(float).rename(column)

    def event(self, column: str) -> pd.Series:
        """A 0/1 event flag (1, true, yes = the event happened)."""
        values = self.numeric(column)
        bad = [i for i, v in enumerate(values) if v not in (0.0, 1.0)]
        if bad:
            raise OutcomeTableError(
                f"column {column!r} must be 0 or 1 (event or censored), found "
                f"{values.iloc[bad[0]]:g}",
                path=self.path,
                line=self.where(bad[0]),
            )
        return values.astype(int)

    def duration(self, column: str) -> pd.Series:
        """A non-negative time to the event or to censoring."""
        values = self.numeric(column)
        bad = [i for i, v in enumerate(values) if v < 0]
        if bad:
            raise OutcomeTableError(
                f"column {column!r} holds a negative duration ({values.iloc[bad[0]]:g})",
                path=self.path,
                line=self.where(bad[0]),
            )
        return values

    def labels(self, column: str) -> pd.Series:
        """The column as text labels (an arm, a group); raises on a missing cell."""
        return self._present(column)


def read_outcome_table(path: Path) -> OutcomeTable:
    """Read ``path`` (``.parquet``, else CSV/TSV with a header line) as text cells."""
    if not path.is_file():
        raise OutcomeTableError("no such file", path=path, hint="Check the path given with --data")
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = _read_parquet(path)
        table = OutcomeTable(path, frame, first_line=1, unit="row")
    else:
        frame = _read_csv(path)
        table = OutcomeTable(path, frame, first_line=2, unit="line")
    if frame.empty:
        raise OutcomeTableError(
            "the table has no data rows", path=path, hint="Export the table again with its rows"
        )
    return table


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OutcomeTableError(f"not UTF-8 text ({exc.reason})", path=path) from exc
    if not text.strip():
        raise OutcomeTableError("the file is empty", path=path, hint="Export the table again")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(text.splitlines(), dialect))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        raise OutcomeTableError("the header names a column twice", path=path, line=1)
    body = rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise OutcomeTableError(
                f"{len(row)} cells where the header has {len(header)}", path=path, line=number
            )
    return pd.DataFrame(body, columns=header, dtype=object)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise OutcomeTableError(f"not a readable Parquet file: {exc}", path=path) from exc
    columns = {
        name: [None if v is None else str(v) for v in table.column(name).to_pylist()]
        for name in table.column_names
    }
    return pd.DataFrame(columns, dtype=object)
