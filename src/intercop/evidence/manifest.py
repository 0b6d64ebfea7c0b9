"""The manifest of a dataset: what was seized, what was kept, dropped and derived."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class SourceEntry(BaseModel):
    """One received file and the members read from it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    size: int
    sha256: str
    members: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)


class ColumnEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    sql_type: str
    stored_as: str
    secret: str | None = None


class TableEntry(BaseModel):
    """One raw table."""

    model_config = ConfigDict(extra="forbid")

    file: str
    rows: int
    columns: list[ColumnEntry]
    primary_key: list[str] = Field(default_factory=list)
    source: str = ""


class DroppedColumn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    column: str
    role: str
    action: str  # drop | hmac


class Manifest(BaseModel):
    """``vault/<dataset_id>/manifest.json`` (ARCHITECTURE §4)."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str
    platform: str
    kind: str
    seized_on: date | None = None
    agency: str
    legal_basis: str = ""
    retention_until: date
    ingested_at: datetime
    tool_version: str
    sources: list[SourceEntry]
    tables: dict[str, TableEntry]
    mapping_software: str
    mapping: dict[str, object]
    secrets: list[DroppedColumn] = Field(default_factory=list)
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = Field(default_factory=dict)
    canonical: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0

    @property
    def dropped_columns(self) -> list[str]:
        """``table.column`` of every column not kept in plain form."""
        return [f"{s.table}.{s.column}" for s in self.secrets if s.action == "drop"]

    @property
    def hashed_columns(self) -> list[str]:
        return [f"{s.table}.{s.column}" for s in self.secrets if s.action == "hmac"]
