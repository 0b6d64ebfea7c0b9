"""The vault: immutable, content-addressed datasets, written atomically.

A dataset is built in ``vault/.staging/<id>.<random>/`` and renamed to
``vault/<id>/`` only when complete, so a crash never leaves half a dataset; the id is
derived from the sha256 of the source files, so the same bytes give the same id
and ingesting them again is a no-op.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from intercop.errors import DatasetNotFoundError, VaultError
from intercop.evidence.manifest import Manifest
from intercop.evidence.source import SourceFile
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ID_LENGTH = 16


def dataset_id_for(sources: list[SourceFile]) -> str:
    """Content address of a set of files, independent of their names and order."""
    digest = hashlib.sha256()
    for sha in sorted(s.sha256 for s in sources):
        digest.update(bytes.fromhex(sha))
    return digest.hexdigest()[:ID_LENGTH]


class Vault:
    """The datasets of one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.root = workspace.vault
        self.staging_root = workspace.staging

    def path(self, dataset_id: str) -> Path:
        return self.root / dataset_id

    def exists(self, dataset_id: str) -> bool:
        return (self.root / dataset_id / MANIFEST).is_file()

    def manifests(self) -> list[Manifest]:
        """Every complete dataset, oldest first."""
        found = []
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.name.startswith(".") or not (entry / MANIFEST).is_file():
                    continue
                found.append(self._load(entry))
        return sorted(found, key=lambda m: (m.ingested_at, m.dataset_id))

    def manifest(self, ref: str) -> Manifest:
        """The manifest of the dataset whose id is ``ref`` or starts with it."""
        if self.exists(ref):
            return self._load(self.root / ref)
        matches = [m for m in self.manifests() if m.dataset_id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise DatasetNotFoundError(
                f"{ref!r} matches {len(matches)} datasets", hint="Give more of the id"
            )
        raise DatasetNotFoundError(f"no dataset {ref!r}")

    def _load(self, folder: Path) -> Manifest:
        try:
            return Manifest.model_validate_json((folder / MANIFEST).read_text("utf-8"))
        except ValueError as exc:
            raise VaultError(
                f"manifest of {folder.name} is unreadable: {exc}",
                hint="The vault was changed by hand; restore it from backup",
            ) from exc

    @contextmanager
    def stage(self, dataset_id: str) -> Iterator[Path]:
        """A private staging folder; removed on failure (whatever the failure)."""
        self.staging_root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{dataset_id}.", dir=self.staging_root))
        try:
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        # a staging folder that was not committed is not left behind either
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)

    def commit(self, staging: Path, manifest: Manifest) -> bool:
        """Write the manifest and move ``staging`` into place; False if it already was."""
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", "utf-8")
        _fsync_tree(staging)
        target = self.root / manifest.dataset_id
        try:
            os.rename(staging, target)
        except OSError as exc:
            if self.exists(manifest.dataset_id):
                log.info("dataset %s appeared meanwhile; keeping the first", manifest.dataset_id)
                return False
            raise VaultError(
                f"could not move dataset {manifest.dataset_id} into place: {exc}"
            ) from exc
        _fsync_dir(self.root)
        for path in [target, *target.rglob("*")]:
            # immutable: read-only files and folders (the owner can still delete by retention)
            path.chmod(0o555 if path.is_dir() else 0o444)
        return True


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
