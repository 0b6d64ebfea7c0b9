"""The ingest stage: seized files -> a verified, immutable dataset in the vault.

Steps: fingerprint the sources (the dataset id is their content address; the same
bytes again are a no-op), read every member with the reader its bytes call for into
minimised raw Parquet, detect or load the mapping, derive the canonical tables, and
commit the staging folder into the vault in one rename.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, cast

import pyarrow as pa
import pyarrow.parquet as pq

from intercop import __version__
from intercop.analytics import refresh_views
from intercop.errors import InputError
from intercop.evidence import readers
from intercop.evidence.archive import open_members
from intercop.evidence.canonical import build_canonical
from intercop.evidence.detect import column_secrets, detect_mapping
from intercop.evidence.known import load_file, merge
from intercop.evidence.manifest import (
    ColumnEntry,
    DroppedColumn,
    Manifest,
    SourceEntry,
    TableEntry,
)
from intercop.evidence.mapping import ColumnRole, Mapping, Secret
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.rawsink import RawSink, RawTable
from intercop.evidence.schema import SECRET_KEY, TableSchema
from intercop.evidence.source import Opened, SourceFile, fingerprint
from intercop.evidence.vault import Vault, dataset_id_for
from intercop.settings import Settings
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

#: called with (bytes read so far in this run, description)
Progress = Callable[[int, str], None]

KINDS = ("booter", "forum", "market", "other")


@dataclass(frozen=True)
class IngestRequest:
    """What the user asked to ingest."""

    paths: tuple[Path, ...]
    platform: str
    kind: str = "other"
    mapping_file: Path | None = None
    seized_on: date | None = None
    agency: str = "NL"
    legal_basis: str = ""
    format: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """The dataset and whether this run created it."""

    manifest: Manifest
    created: bool
    mapping: Mapping

    def summary(self) -> dict[str, object]:
        """The ``--json`` document of the acceptance commands."""
        m = self.manifest
        return {
            "dataset_id": m.dataset_id,
            "created": self.created,
            "platform": m.platform,
            "kind": m.kind,
            "tables": {name: t.rows for name, t in m.tables.items()},
            "accounts": m.canonical.get("accounts", 0),
            "identifiers": m.canonical.get("identifiers", 0),
            "events": m.canonical.get("events", 0),
            "quarantined": m.quarantined,
            "dropped_columns": m.dropped_columns,
            "hashed_columns": m.hashed_columns,
        }


def ingest(
    workspace: Workspace,
    request: IngestRequest,
    settings: Settings,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest ``request.paths`` as one dataset; returns the existing one if already there."""
    started = time.monotonic()
    if request.kind not in KINDS:
        raise InputError(
            f"unknown kind {request.kind!r}", path="--kind", hint=f"Use one of {', '.join(KINDS)}"
        )
    override = load_file(request.mapping_file) if request.mapping_file else None
    sources = [fingerprint(_existing(p)) for p in request.paths]
    dataset_id = dataset_id_for(sources)
    vault = Vault(workspace)
    if vault.exists(dataset_id):
        manifest = vault.manifest(dataset_id)
        log.info("dataset %s already holds these bytes; nothing to do", dataset_id)
        return IngestResult(manifest, False, Mapping.model_validate(manifest.mapping))

    with vault.stage(dataset_id) as staging:
        read = _read_sources(workspace, sources, staging, settings, request, override, progress)
        if progress:
            progress(read.bytes, "detecting roles")
        detected = detect_mapping(read.schemas, read.sample, request.kind)
        mapping = merge(detected, override) if override else detected
        if progress:
            progress(read.bytes, "building canonical tables")
        counts = build_canonical(
            read.files,
            read.schemas,
            mapping,
            dataset_id=dataset_id,
            platform=request.platform,
            out_dir=staging / "canonical",
        )
        manifest = Manifest(
            dataset_id=dataset_id,
            platform=request.platform,
            kind=request.kind,
            seized_on=request.seized_on,
            agency=request.agency,
            legal_basis=request.legal_basis,
            retention_until=(request.seized_on or date.today())
            + timedelta(days=settings.retention_days),
            ingested_at=datetime.now(UTC),
            tool_version=__version__,
            sources=read.entries,
            tables={n: _table_entry(t, read.schemas[n]) for n, t in read.tables.items()},
            mapping_software=mapping.software,
            mapping=mapping.model_dump(mode="json"),
            secrets=[
                DroppedColumn(table=name, column=col, role=role.value, action=action.value)
                for name, t in read.tables.items()
                for col, (action, role) in t.secrets.items()
            ],
            quarantined=read.quarantine.count,
            quarantine_reasons=dict(read.quarantine.by_reason),
            canonical={
                "accounts": counts.accounts,
                "identifiers": counts.identifiers,
                "events": counts.events,
            },
            seconds=round(time.monotonic() - started, 3),
        )
        created = vault.commit(staging, manifest)
    if not created:
        manifest = vault.manifest(dataset_id)
    else:
        refresh_views(workspace)
    return IngestResult(manifest, created, mapping)


def draft_mapping(
    workspace: Workspace,
    paths: list[Path],
    settings: Settings,
    *,
    kind: str = "other",
    fmt: str | None = None,
) -> Mapping:
    """Read files into a throw-away staging folder and detect their mapping.

    Used by ``intercop mapping init``: nothing enters the vault.
    """
    sources = [fingerprint(_existing(p)) for p in paths]
    request = IngestRequest(paths=tuple(paths), platform="draft", kind=kind, format=fmt)
    with Vault(workspace).stage("draft") as staging:
        read = _read_sources(workspace, sources, staging, settings, request, None, None)
        return detect_mapping(read.schemas, read.sample, kind)


@dataclass
class _Read:
    """The raw layer of one run, in its staging folder."""

    tables: dict[str, RawTable]
    schemas: dict[str, TableSchema]
    files: dict[str, Path]
    entries: list[SourceEntry]
    quarantine: Quarantine
    bytes: int

    def sample(self, table: str, n: int) -> pa.Table:
        """Up to ``n`` first rows of a raw table, for detection."""
        pf = pq.ParquetFile(self.files[table])
        for batch in pf.iter_batches(batch_size=max(n, 1)):
            return pa.Table.from_batches([batch], schema=pf.schema_arrow)
        return pf.schema_arrow.empty_table()


def _read_sources(
    workspace: Workspace,
    sources: list[SourceFile],
    staging: Path,
    settings: Settings,
    request: IngestRequest,
    override: Mapping | None,
    progress: Progress | None,
) -> _Read:
    quarantine = Quarantine(staging / "quarantine.ndjson")

    def policy(schema: TableSchema, sample: pa.RecordBatch) -> dict[str, tuple[Secret, ColumnRole]]:
        table_override = override.tables.get(schema.name) if override else None
        return column_secrets(schema, sample, table_override)

    sink = RawSink(staging / "raw", key=workspace.secret_key(), policy=policy)
    entries: list[SourceEntry] = []
    done = 0
    try:
        for source in sources:
            entry = SourceEntry(name=source.name, size=source.size, sha256=source.sha256)
            members = open_members(
                source,
                max_ratio=settings.max_expansion_ratio,
                max_bytes=settings.max_expanded_bytes,
                scratch=staging / "scratch",
            )
            for member in members:
                reader_cls = (
                    readers.get(request.format) if request.format else readers.detect(member)
                )
                log.info("reading %s as %s", member.name, reader_cls.NAME)
                reader = reader_cls(batch_rows=settings.batch_rows)
                reader.read(_tracked(member, done, progress), sink, quarantine)
                entry.members.append(member.name)
                entry.formats.append(reader_cls.NAME)
            done += source.size
            entries.append(entry)
        tables = sink.close()
    except BaseException:
        sink.abort()
        raise
    finally:
        quarantine.close()
        shutil.rmtree(staging / "scratch", ignore_errors=True)
    if not tables:
        raise InputError(
            "no table could be read",
            path=", ".join(s.name for s in sources),
            hint="Check that these are database dumps or tables",
        )
    raw_dir = staging / "raw"
    return _Read(
        tables=tables,
        schemas={name: _stored_schema(t, raw_dir) for name, t in tables.items()},
        files={name: raw_dir / t.file for name, t in tables.items()},
        entries=entries,
        quarantine=quarantine,
        bytes=done,
    )


def _existing(path: Path) -> Path:
    if not path.exists():
        raise InputError("no such file", path=path, hint="Check the path")
    if path.is_dir():
        raise InputError("is a folder", path=path, hint="Name the files in it, e.g. DIR/*.sql")
    return path


def _tracked(member: Opened, base: int, progress: Progress | None) -> Opened:
    """``member`` whose stream reports bytes read to ``progress``."""
    if progress is None:
        return member
    opener = member.open

    def open_tracked() -> BinaryIO:
        stream = _ProgressStream(opener(), lambda n: progress(base + n, member.name))
        return cast(BinaryIO, stream)

    return Opened(name=member.name, source=member.source, open=open_tracked, path=member.path)


class _ProgressStream:
    """A read-only stream wrapper counting the bytes read."""

    def __init__(self, inner: BinaryIO, report: Callable[[int], None]) -> None:
        self._inner = inner
        self._report = report
        self._read = 0

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        self._read += len(data)
        self._report(self._read)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        n = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        self._read += n
        self._report(self._read)
        return int(n)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def __enter__(self) -> _ProgressStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def __iter__(self):  # type: ignore[no-untyped-def]
        for line in self._inner:
            self._read += len(line)
            self._report(self._read)
            yield line


def _stored_schema(raw: RawTable, raw_dir: Path) -> TableSchema:
    """The declared schema as stored: dropped columns gone, hashed ones as keyed-hash text."""
    stored = pq.read_schema(raw_dir / raw.file)
    columns = []
    for column in raw.schema.columns:
        if column.name not in stored.names:
            continue
        field = stored.field(column.name)
        if field.metadata and SECRET_KEY in field.metadata:
            column = replace(column, arrow_type=field.type)
        columns.append(column)
    return replace(raw.schema, columns=tuple(columns))


def _table_entry(raw: RawTable, schema: TableSchema) -> TableEntry:
    return TableEntry(
        file=f"raw/{raw.file}",
        rows=raw.rows,
        columns=[
            ColumnEntry(
                name=c.name,
                sql_type=c.sql_type,
                stored_as=str(c.arrow_type),
                secret=raw.secrets[c.name][0].value if c.name in raw.secrets else None,
            )
            for c in raw.schema.columns
        ],
        primary_key=list(schema.primary_key),
        source=raw.schema.source,
    )
