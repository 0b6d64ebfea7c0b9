"""Erasing datasets from the derived tables: persons, records, links, profiles, baselines.

Each file is rewritten without the rows of the erased datasets, to a ``.partial``
file renamed over the old one, so a reader sees the old or the new file, never half
of one. A person whose every account was in an erased dataset is gone; the others
keep their person id, and their profiles are rebuilt from the datasets that remain
(a profile figure counted from an erased dataset must not outlive it). The pilot
baselines (``pilots/<id>/baseline.parquet``) lose the rows of persons that are gone
and of the pilot assignments retention erased.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from intercop.workspace import Workspace

log = logging.getLogger(__name__)

PERSONS, RECORDS, LINKS, PROFILES = (
    "persons.parquet", "records.parquet", "links.parquet", "profiles.parquet",
)  # fmt: skip


@dataclass
class DerivedErasure:
    """Rows removed (or, in a dry run, to remove) per derived file; persons gone."""

    rows: dict[str, int] = field(default_factory=dict)
    persons_gone: list[str] = field(default_factory=list)
    persons_kept: int = 0

    def as_json(self) -> dict[str, object]:
        return {"rows": dict(self.rows), "persons_gone": len(self.persons_gone),
                "persons_kept": self.persons_kept}  # fmt: skip


def _replace(table: pa.Table, path: Path) -> None:
    partial = path.with_suffix(".parquet.partial")
    pq.write_table(table, partial, compression="zstd")
    with partial.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, path)


def _in_datasets(column: pa.ChunkedArray, datasets: Collection[str]) -> pa.ChunkedArray:
    return pc.is_in(column, value_set=pa.array(sorted(datasets), pa.string()))


def _uid_in_datasets(column: pa.ChunkedArray, datasets: Collection[str]) -> pa.ChunkedArray:
    """Whether each ``dataset_id:account_key`` uid belongs to one of ``datasets``."""
    prefix = pc.utf8_slice_codeunits(column, 0, _ID_LENGTH)
    colon = pc.equal(pc.utf8_slice_codeunits(column, _ID_LENGTH, _ID_LENGTH + 1), ":")
    return pc.and_(colon, _in_datasets(prefix, datasets))


_ID_LENGTH = 16  # intercop.evidence.vault.ID_LENGTH: every dataset id has this length


def erase_derived(
    workspace: Workspace, datasets: Collection[str], *, write: bool = True
) -> DerivedErasure:
    """Remove ``datasets`` from the derived files (``write=False``: count only)."""
    result = DerivedErasure()
    derived = workspace.derived
    persons_path = derived / PERSONS
    kept_persons: pa.Table | None = None
    if persons_path.is_file():
        persons = pq.read_table(persons_path)
        drop = _in_datasets(persons.column("dataset_id"), datasets)
        kept_persons = persons.filter(pc.invert(drop))
        before = set(persons.column("person_id").to_pylist())
        after = set(kept_persons.column("person_id").to_pylist())
        result.persons_gone = sorted(before - after)
        result.persons_kept = len(after)
        result.rows[PERSONS] = persons.num_rows - kept_persons.num_rows
        if write and result.rows[PERSONS]:
            _replace(kept_persons, persons_path)
    records_path = derived / RECORDS
    if records_path.is_file():
        records = pq.read_table(records_path)
        kept = records.filter(pc.invert(_in_datasets(records.column("dataset_id"), datasets)))
        result.rows[RECORDS] = records.num_rows - kept.num_rows
        if write and result.rows[RECORDS]:
            _replace(kept, records_path)
    links_path = derived / LINKS
    if links_path.is_file():
        links = pq.read_table(links_path)
        touched = pc.or_(_uid_in_datasets(links.column("uid_l"), datasets),
                         _uid_in_datasets(links.column("uid_r"), datasets))  # fmt: skip
        kept = links.filter(pc.invert(touched))
        result.rows[LINKS] = links.num_rows - kept.num_rows
        if write and result.rows[LINKS]:
            _replace(kept, links_path)
    profiles_path = derived / PROFILES
    if profiles_path.is_file():
        profiles = pq.read_table(profiles_path, columns=["person_id"])
        gone = pc.is_in(profiles.column("person_id"),
                        value_set=pa.array(result.persons_gone, pa.string()))  # fmt: skip
        result.rows[PROFILES] = int(pc.sum(gone).as_py() or 0)
        if write and kept_persons is not None and result.rows.get(PERSONS):
            _rebuild_profiles(workspace, kept_persons, profiles_path)
    return result


def _rebuild_profiles(workspace: Workspace, persons: pa.Table, path: Path) -> None:
    """Profiles of the remaining persons from the remaining datasets."""
    from intercop.profiles.build import PROFILE, write_profiles

    if persons.num_rows:
        write_profiles(workspace, persons)
    else:
        _replace(PROFILE.empty_table(), path)


def erase_baselines(
    workspace: Workspace,
    persons_gone: Collection[str],
    assignments: Mapping[int, Collection[str]],
    *,
    write: bool = True,
) -> int:
    """Remove from every pilot baseline the persons gone and the erased assignments.

    Args:
        persons_gone: persons no longer in any dataset (removed from every pilot).
        assignments: pilot id -> persons whose assignment to that pilot was erased.
    """
    removed = 0
    for path in sorted((workspace.root / "pilots").glob("*/baseline.parquet")):
        try:
            pilot_id = int(path.parent.name)
        except ValueError:
            continue
        drop = set(persons_gone) | set(assignments.get(pilot_id, ()))
        if not drop:
            continue
        table = pq.read_table(path)
        hit = pc.is_in(table.column("person_id"), value_set=pa.array(sorted(drop), pa.string()))
        count = int(pc.sum(hit).as_py() or 0)
        removed += count
        if write and count:
            _replace(table.filter(pc.invert(hit)), path)
    return removed
