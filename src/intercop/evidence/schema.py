"""Table schemas of seized databases, as declared by their DDL, mapped to Arrow.

A schema keeps the declared SQL type of every column next to the Arrow type it is
stored as, so the raw layer is lossless and says what the source said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

#: Parquet field metadata keys
SQL_TYPE_KEY = b"intercop.sql_type"
SECRET_KEY = b"intercop.secret"


@dataclass(frozen=True)
class Column:
    """One column: its name, declared SQL type and storage type."""

    name: str
    sql_type: str
    arrow_type: pa.DataType
    nullable: bool = True

    def field(self) -> pa.Field:
        return pa.field(
            self.name,
            self.arrow_type,
            nullable=self.nullable,
            metadata={SQL_TYPE_KEY: self.sql_type.encode()},
        )


@dataclass(frozen=True)
class ForeignKey:
    """A declared foreign key: ``columns`` reference ``table(ref_columns)``."""

    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A source table as declared; ``source`` names the file it came from."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([c.field() for c in self.columns])

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)
